import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { PeerSettings } from "../../contract/options.js";
import { resolveSettings } from "../../src/options.js";
import { startPeerServer, type RunningPeerServer } from "../../testing/peer-server.js";
import { ServerSession, type SessionListener } from "../../worker/server-session.js";
import { FakeClock } from "./support/fake-clock.js";
import { nodePlatform } from "./support/node-platform.js";
import { expectListed } from "./support/server-view.js";

type Event = { kind: "opened"; id: string } | { kind: "lost" } | { kind: "offline" } | { kind: "fatal"; type: string; message: string };

/** A session against a real PeerServer over `ws`, on a clock the test moves; it records what it tells its peer. */
class Probe {
  readonly clock = new FakeClock();
  readonly events: Event[] = [];
  readonly session: ServerSession;

  constructor(settings: PeerSettings, id: string | null) {
    const listener: SessionListener = {
      opened: (openId) => this.events.push({ kind: "opened", id: openId }),
      lost: () => this.events.push({ kind: "lost" }),
      offline: () => this.events.push({ kind: "offline" }),
      // As the peer does: a fatal error before the first open ends the session.
      fatal: (type, message) => {
        this.events.push({ kind: "fatal", type, message });
        this.session.close();
      },
      message: () => {},
      malformed: (reason) => {
        throw new Error(`the real server sent a malformed frame: ${reason}`);
      },
      log: () => {},
    };
    this.session = new ServerSession(nodePlatform(this.clock), settings, id, listener);
    probes.push(this);
  }

  /** Waits (in real time: sockets are real) until `ready` holds. */
  async until(ready: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 150 && !ready(); i++) await new Promise((r) => setTimeout(r, 20));
    if (!ready()) throw new Error(`${what} did not happen; events: ${JSON.stringify(this.events)}`);
  }

  next(kind: Event["kind"], count = 1): Promise<void> {
    return this.until(() => this.events.filter((e) => e.kind === kind).length >= count, `${kind} #${count}`);
  }
}

let server: RunningPeerServer;
const probes: Probe[] = [];
beforeAll(async () => {
  server = await startPeerServer();
});
afterAll(() => server.stop());
afterEach(() => {
  for (const probe of probes.splice(0)) probe.session.close();
});

const settingsFor = (at: { port: number }, overrides: Partial<PeerSettings> = {}): PeerSettings => ({
  ...resolveSettings({ host: "127.0.0.1", port: at.port, config: { iceServers: [] } }, undefined),
  ...overrides,
});

describe("opening", () => {
  test("with the id it was given: the server's OPEN opens it", async () => {
    const probe = new Probe(settingsFor(server), "s-given");
    probe.session.start();
    await probe.next("opened");
    expect(probe.events).toEqual([{ kind: "opened", id: "s-given" }]);
    expect(probe.session.state).toBe("open");
    await expectListed(server, "s-given", true);
  });

  test("without an id: it asks the server for one over HTTP first", async () => {
    const probe = new Probe(settingsFor(server), null);
    probe.session.start();
    await probe.next("opened");
    expect(probe.session.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(probe.events).toEqual([{ kind: "opened", id: probe.session.id }]);
  });

  test("an id held by another token is fatal: unavailable-id", async () => {
    const first = new Probe(settingsFor(server), "s-taken");
    first.session.start();
    await first.next("opened");
    const second = new Probe(settingsFor(server), "s-taken");
    second.session.start();
    await second.next("fatal");
    expect(second.events).toEqual([{ kind: "fatal", type: "unavailable-id", message: 'ID "s-taken" is taken' }]);
  });

  test("a key the server does not serve: the server's reason, as server-error", async () => {
    const probe = new Probe(settingsFor(server, { key: "not-the-key" }), "s-key");
    probe.session.start();
    await probe.next("fatal");
    expect(probe.events).toEqual([{ kind: "fatal", type: "server-error", message: "Invalid key provided" }]);
  });

  test("the same id and token again (a re-attach): no OPEN comes, the grace opens it after 1 s", async () => {
    const settings = settingsFor(server);
    const first = new Probe(settings, "s-reattach");
    first.session.start();
    await first.next("opened");
    const again = new Probe(settings, "s-reattach");
    again.session.start();
    await again.until(() => again.clock.pendingTimeouts().includes(1000), "the socket connecting");
    again.clock.advance(999);
    expect(again.session.state).toBe("connecting");
    again.clock.advance(1);
    expect(again.events).toEqual([{ kind: "opened", id: "s-reattach" }]);
  });
});

describe("no server", () => {
  /** A loopback port nothing listens on: one the system just handed out and took back. */
  const gone = { port: 0 };
  beforeAll(async () => {
    const listener = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => listener.once("listening", resolve));
    const address = listener.address();
    gone.port = typeof address === "object" && address ? address.port : 0;
    await new Promise((resolve) => listener.close(resolve));
  });

  test("with an id: server-error naming where it looked", async () => {
    const probe = new Probe(settingsFor(gone), "s-nowhere");
    probe.session.start();
    await probe.next("fatal");
    expect(probe.events).toEqual([
      { kind: "fatal", type: "server-error", message: `Could not reach the PeerServer at 127.0.0.1:${gone.port}.` },
    ]);
  });

  test("without an id: server-error, as the id request failed", async () => {
    const probe = new Probe(settingsFor(gone), null);
    probe.session.start();
    await probe.next("fatal");
    expect(probe.events).toEqual([
      { kind: "fatal", type: "server-error", message: `Could not get an ID from the server at 127.0.0.1:${gone.port}/.` },
    ]);
  });
});

describe("losing the server", () => {
  test("lost, offline, then retries on a doubling jittered backoff; back with the same id once the server is", async () => {
    let own = await startPeerServer();
    const probe = new Probe(settingsFor(own), "s-heal");
    probe.session.start();
    await probe.next("opened");

    await own.stop();
    await probe.next("offline");
    expect(probe.events.slice(1)).toEqual([{ kind: "lost" }, { kind: "offline" }]);
    expect(probe.session.state).toBe("offline");
    const [first] = probe.clock.pendingTimeouts();
    expect(first).toBeGreaterThanOrEqual(250);
    expect(first).toBeLessThanOrEqual(500);

    // The first retry finds no server: back offline, quietly, with twice the delay.
    probe.clock.advance(500);
    expect(probe.session.state).toBe("connecting");
    await probe.until(() => probe.session.state === "offline", "the failed retry");
    const [second] = probe.clock.pendingTimeouts();
    expect(second).toBeGreaterThanOrEqual(500);
    expect(second).toBeLessThanOrEqual(1000);
    expect(probe.events.filter((e) => e.kind === "lost" || e.kind === "offline")).toHaveLength(2);

    own = await startPeerServer({ port: own.port });
    probe.clock.advance(1000);
    await probe.next("opened", 2);
    expect(probe.events.at(-1)).toEqual({ kind: "opened", id: "s-heal" });

    // Open again resets the backoff: the next loss retries within 500 ms again.
    await own.stop();
    await probe.next("offline", 2);
    expect(probe.clock.pendingTimeouts()[0]).toBeLessThanOrEqual(500);
    // Kills and starts PeerServer processes: seconds on a loaded machine, whatever the clock says.
  }, 20_000);

  test("going offline on request: no retry until resume, which opens again", async () => {
    const probe = new Probe(settingsFor(server), "s-pause");
    probe.session.start();
    await probe.next("opened");
    probe.session.goOffline();
    expect(probe.events.at(-1)).toEqual({ kind: "offline" });
    expect(probe.clock.pendingTimeouts()).toEqual([]);
    probe.session.resume();
    // The server may not have seen the old socket close yet, and takes the new one as a re-attach: no OPEN, the grace opens it.
    const opens = () => probe.events.filter((e) => e.kind === "opened").length;
    await probe.until(() => opens() === 2 || probe.clock.pendingTimeouts().includes(1000), "the socket connecting");
    probe.clock.advance(1000);
    await probe.next("opened", 2);
    expect(probe.events.map((e) => e.kind)).toEqual(["opened", "offline", "opened"]);
  });
});
