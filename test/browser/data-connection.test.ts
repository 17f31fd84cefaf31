import { afterAll, beforeAll, describe as suite, expect, test } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { startBrowserEnv, type BrowserEnv } from "../support/env.js";
import { describe } from "../fixtures/describe.js";
import { expectTransfer } from "../support/exchange.js";
import { binaryValues, rawValues, structuredValues } from "../fixtures/basic-values.js";

let env: BrowserEnv;
let alice: Page;
let bob: Page;
let users: BrowserContext[] = [];
let aliceId: string;
let bobId: string;

beforeAll(async () => {
  env = await startBrowserEnv();
});

afterAll(async () => {
  await env?.close();
});

/**
 * Every mode the hub can run in, with what `peer.mode` must say: the SharedWorker, the dedicated
 * Worker fallback, the in-page fallback, and `auto` in a browser without SharedWorker.
 */
const MODES = [
  { name: "shared (auto)", option: undefined, query: "", mode: "shared" },
  { name: "dedicated", option: "dedicated", query: "", mode: "dedicated" },
  { name: "inline", option: "inline", query: "", mode: "inline" },
  { name: "auto without SharedWorker", option: undefined, query: "?noSharedWorker", mode: "dedicated" },
] as const;

/** Connects alice → bob with `serialization`; returns both ends' keys once both are open. */
async function connectPair(serialization: string): Promise<{ out: string; inc: string }> {
  const out = await alice.evaluate(([id, s]) => H.connect("alice", id, { serialization: s, reliable: true }), [
    bobId,
    serialization,
  ] as const);
  await alice.evaluate((k) => H.waitOpen(k), out);
  const connectionId = out.split("/")[1]!;
  const inc = `bob/${connectionId}`;
  await bob.evaluate((k) => H.waitOpen(k), inc);
  return { out, inc };
}

suite.each(MODES)("one data connection between two users, $name", ({ option, query, mode }) => {
  beforeAll(async () => {
    await Promise.all(users.map((u) => u.close()));
    const unique = Math.random().toString(36).slice(2, 8);
    aliceId = `alice-${unique}`;
    bobId = `bob-${unique}`;
    users = [await env.user(), await env.user()];
    alice = await env.tab(users[0]!, "sharedpeer", query);
    bob = await env.tab(users[1]!, "sharedpeer", query);
    const opts = { ...env.peerOptions, ...(option ? { worker: option } : {}) };
    expect(await bob.evaluate(([id, o]) => H.newPeer("bob", [id, o]), [bobId, opts] as const)).toBe(`open:${bobId}`);
    expect(await alice.evaluate(([id, o]) => H.newPeer("alice", [id, o]), [aliceId, opts] as const)).toBe(`open:${aliceId}`);
    expect(await alice.evaluate(() => H.peerState("alice")?.mode)).toBe(mode);
  });

  test("binary: every value kind and a 1 MiB ArrayBuffer, both ways, in order", async () => {
    const { out, inc } = await connectPair("binary");
    const info = await bob.evaluate((k) => H.connInfo(k), inc);
    expect(info).toMatchObject({ peer: aliceId, serialization: "binary", open: true });
    await expectTransfer(alice, out, bob, inc, "structuredValues", structuredValues());
    await expectTransfer(bob, inc, alice, out, "structuredValues", structuredValues());
    await expectTransfer(alice, out, bob, inc, "binaryValues", binaryValues());
    await expectTransfer(bob, inc, alice, out, "binaryValues", binaryValues());
    await alice.evaluate((k) => H.close(k), out);
    await bob.evaluate((k) => H.waitEvent(k, "close"), inc);
    expect(await alice.evaluate((k) => H.connEvents(k), out)).toEqual(["open", "close"]);
  });

  test("binary: a value nested deeper than a receiver decodes is refused by send() with an error; the connection stays open and carries the next message", async () => {
    const { out, inc } = await connectPair("binary");
    const before = await bob.evaluate((k) => H.receivedCount(k), inc);
    await alice.evaluate((k) => {
      let deep: unknown = "leaf";
      for (let i = 0; i < 600; i++) deep = [deep];
      H.send(k, [deep, { after: "the refused one" }]);
    }, out);
    await bob.evaluate(([k, n]) => H.waitData(k, n), [inc, before + 1] as const);
    expect((await bob.evaluate((k) => H.received(k), inc)).slice(before)).toEqual([await describe({ after: "the refused one" })]);
    expect(await alice.evaluate((k) => H.connEvents(k), out)).toEqual([
      "open",
      expect.stringMatching(/^error:socket-error:.*nested deeper than 512 levels/),
    ]);
    expect(await bob.evaluate((k) => H.connEvents(k), inc)).toEqual(["open"]);
    expect(await alice.evaluate((k) => H.connInfo(k)?.open, out)).toBe(true);
    await alice.evaluate((k) => H.close(k), out);
    await bob.evaluate((k) => H.waitEvent(k, "close"), inc);
  });

  test("json: structured values both ways; close from the receiving side reaches the caller", async () => {
    const { out, inc } = await connectPair("json");
    await expectTransfer(alice, out, bob, inc, "structuredValues", structuredValues());
    await expectTransfer(bob, inc, alice, out, "structuredValues", structuredValues());
    await bob.evaluate((k) => H.close(k), inc);
    await alice.evaluate((k) => H.waitEvent(k, "close"), out);
  });

  test("raw: strings and ArrayBuffers arrive as they were sent", async () => {
    const { out, inc } = await connectPair("raw");
    expect(await bob.evaluate((k) => H.connInfo(k)?.serialization, inc)).toBe("raw");
    await expectTransfer(alice, out, bob, inc, "rawValues", rawValues());
    await expectTransfer(bob, inc, alice, out, "rawValues", rawValues());
    await alice.evaluate((k) => H.close(k), out);
    await bob.evaluate((k) => H.waitEvent(k, "close"), inc);
  });
});
