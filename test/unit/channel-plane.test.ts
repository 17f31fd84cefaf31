/**
 * The hub's side of a tab's channel plane (contract/plane-frames.ts): the channel commands of a
 * link whose channel opened on the plane go there, and the plane may only report on the channels
 * of links its own tab hosts.
 */
import { MessageChannel } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { BatchedPort } from "../../contract/batched-port.js";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import type { PlaneCommand, PlaneReport } from "../../contract/plane-frames.js";
import { encodeBinaryPack } from "../../worker/codec/binarypack-encoder.js";
import { useHubEnv, type TestTab } from "./support/hub-harness.js";

const env = useHubEnv();

/** The channel worker's end of a plane: what the hub sent on it, and a way to report. */
class TestPlane {
  readonly commands: PlaneCommand[] = [];
  private readonly port: BatchedPort<PlaneReport, PlaneCommand>;
  private waiters = new Set<() => void>();

  constructor(tab: TestTab) {
    const { port1, port2 } = new MessageChannel();
    const hubEnd = port2 as unknown as MessagePort;
    tab.post({ t: "channel-plane", port: hubEnd }, [hubEnd]);
    this.port = new BatchedPort<PlaneReport, PlaneCommand>(
      port1 as unknown as MessagePort,
      (frames) => {
        this.commands.push(...frames);
        for (const wake of [...this.waiters]) wake();
      },
      () => {},
    );
  }

  report(frame: PlaneReport): void {
    this.port.post(frame);
  }

  /** Waits for a command of kind `t` on `ref`. */
  next(t: PlaneCommand["t"], ref: ConnRef): Promise<PlaneCommand> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${t} on the plane; got ${this.commands.map((c) => c.t).join(", ")}`)), 5000);
      const check = () => {
        const found = this.commands.find((c) => c.t === t && c.ref === ref);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.port.close();
  }
}

let tab: TestTab;
let member: MemberId;
let plane: TestPlane;
beforeEach(async () => {
  tab = await env.harness.openTab();
  member = await tab.attach(`plane-${Math.random().toString(36).slice(2, 8)}`, { debug: 2 });
  plane = new TestPlane(tab);
});
afterEach(() => plane.close());

describe("a tab's channel plane", () => {
  test("a channel that opens on the plane gets its sends and its close there, and its received data reaches the tab", async () => {
    const ref = await tab.connect(member, "bob");
    plane.report({ t: "rtc-channel-open", ref });
    await tab.next("conn-open", (f) => f.ref === ref);

    tab.post({ t: "send", member, ref, value: "hello", sendId: 1 });
    const send = await plane.next("rtc-send", ref);
    expect(send.t === "rtc-send" && send.sizes.length).toBe(1);

    const bytes = encodeBinaryPack("from bob");
    plane.report({ t: "rtc-received", ref, bytes: bytes.slice().buffer, sizes: [bytes.byteLength] });
    expect((await tab.next("conn-data", (f) => f.ref === ref)).data).toBe("from bob");

    tab.post({ t: "close", member, ref, flush: false });
    await plane.next("rtc-close", ref);
    await tab.next("conn-closed", (f) => f.ref === ref);
    // Nothing for this channel went to the tab port: the page only hears of it from the channel worker.
    expect(tab.all("rtc-send", (f) => f.ref === ref)).toEqual([]);
    expect(tab.all("rtc-close", (f) => f.ref === ref)).toEqual([]);
  });

  test("a channel that opened on the tab port (the page fallback) keeps its commands there", async () => {
    const ref = await tab.openConnection(member, "bob");
    tab.post({ t: "send", member, ref, value: "hello", sendId: 1 });
    await tab.next("rtc-send", (f) => f.ref === ref);
    expect(plane.commands).toEqual([]);
  });

  test("a plane reports only on channels: other frames, and reports on another tab's links, are dropped", async () => {
    const other = await env.harness.openTab();
    const otherMember = await other.attach(`other-${Math.random().toString(36).slice(2, 8)}`);
    const foreign = await other.connect(otherMember, "carol");
    plane.report({ t: "rtc-channel-open", ref: foreign });
    plane.report({ t: "rtc-local-candidate", ref: foreign, candidate: { candidate: "candidate:1" } } as unknown as PlaneReport);
    const log = await tab.next("log", (f) => String(f.args.at(-1)).startsWith("dropped"));
    expect(log.args).toEqual(["dropped a frame from this tab: rtc-local-candidate is not a plane frame"]);
    await other.settle(otherMember);
    expect(other.all("conn-open", (f) => f.ref === foreign)).toEqual([]);
  });
});
