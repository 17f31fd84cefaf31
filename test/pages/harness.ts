/**
 * Runs in test pages. Drives a Peer class (sharedpeer's or the official peerjs one, same API)
 * and records what happens, so that tests in Node ask "what did this page see?".
 */
import { describe, type Described } from "../fixtures/describe.js";

// The two libraries share one API; the harness needs only this much of it.
interface AnyEmitter {
  on(event: string, fn: (...args: never[]) => void): unknown;
}
interface AnyConnection extends AnyEmitter {
  peer: string;
  connectionId: string;
  metadata: unknown;
  serialization: string;
  open: boolean;
  send(data: unknown): unknown;
  close(options?: { flush?: boolean }): void;
}
interface AnyPeer extends AnyEmitter {
  id: string | null;
  open: boolean;
  disconnected: boolean;
  destroyed: boolean;
  mode?: string;
  connections: Record<string, AnyConnection[]>;
  connect(id: string, ...args: unknown[]): AnyConnection;
  disconnect(): void;
  reconnect(): void;
  destroy(): void;
  listAllPeers(cb?: (ids: string[]) => void): unknown;
}
type PeerCtor = new (...args: unknown[]) => AnyPeer;

interface Recorded {
  events: string[];
  /** Date.now() of each event, of each data item. */
  eventAt: number[];
  dataAt: number[];
  data: unknown[];
  /** sharedpeer only: "send|receive:id:bytes/total[:done]" per progress event. */
  progress: string[];
  /** `JSON.stringify` of each error event's error, as an app that logs or posts errors sees it. */
  errorJson: string[];
}

const peers = new Map<string, AnyPeer>();
const peerLog = new Map<string, Recorded>();
const conns = new Map<string, AnyConnection>();
const connLog = new Map<string, Recorded>();
/** The Peer's id and flags as each of its events fired. */
interface PeerFlags {
  event: string;
  id: string | null;
  open: boolean;
  disconnected: boolean;
  destroyed: boolean;
}
const flagLog = new Map<string, PeerFlags[]>();
/** Running `startPump`s by "key|tag": how many each sent. */
const pumps = new Map<string, { sent: number; stop: () => void }>();

function errorText(e: unknown): string {
  const err = e as { type?: string; message?: string };
  return `${err.type ?? "?"}:${err.message ?? ""}`;
}

const newRecord = (): Recorded => ({ events: [], eventAt: [], dataAt: [], data: [], progress: [], errorJson: [] });

function note(log: Recorded, event: string): void {
  log.events.push(event);
  log.eventAt.push(Date.now());
}

function watchConnection(peerName: string, conn: AnyConnection, listen: boolean): string {
  const key = `${peerName}/${conn.connectionId}`;
  conns.set(key, conn);
  const log = newRecord();
  connLog.set(key, log);
  conn.on("open", () => note(log, "open"));
  conn.on("close", () => note(log, "close"));
  // sharedpeer only: the connection came back on another tab's RTCPeerConnection (same object, still open).
  conn.on("resumed", () => note(log, "resumed"));
  conn.on("error", (e: never) => note(log, `error:${errorText(e)}`));
  if (listen)
    conn.on("data", (d: never) => {
      log.data.push(d);
      log.dataAt.push(Date.now());
    });
  conn.on("error", (e: never) => log.errorJson.push(JSON.stringify(e)));
  const progress = (p: { direction: string; id: number; bytes: number; total: number; done: boolean }) =>
    log.progress.push(`${p.direction}:${p.id}:${p.bytes}/${p.total}${p.done ? ":done" : ""}`);
  conn.on("sendProgress", progress as never);
  conn.on("receiveProgress", progress as never);
  return key;
}

/** `bytes` bytes, byte i = (i * 31 + seed) & 0xff: the page that receives it can check it whole. */
function patterned(bytes: number, seed: number): ArrayBuffer {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed) & 0xff;
  return out.buffer;
}

function isPatterned(buffer: ArrayBuffer, seed: number): boolean {
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((i * 31 + seed) & 0xff)) return false;
  return true;
}

function timed(log: Recorded | undefined): Array<[string, number]> {
  return (log?.events ?? []).map((e, i) => [e, log?.eventAt[i] ?? 0]);
}

/** Resolves with `check()`'s first defined value, polling; rejects after `ms`. */
export function until<T>(check: () => T | undefined, what: string, ms = 15000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      let v: T | undefined;
      // A check that throws (a connection closed while waiting for it to open) rejects, also after
      // the first tick, where a throw would otherwise escape the timer and leave this pending.
      try {
        v = check();
      } catch (error) {
        return reject(error instanceof Error ? error : new Error(String(error)));
      }
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

export function createHarness(Peer: PeerCtor) {
  return {
    /** Creates a Peer and waits for `open` or an error. */
    async newPeer(name: string, args: unknown[], options: { wait?: boolean; listen?: boolean } = {}): Promise<string> {
      const peer = new Peer(...args);
      peers.set(name, peer);
      const log = newRecord();
      peerLog.set(name, log);
      peer.on("error", (e: never) => log.errorJson.push(JSON.stringify(e)));
      peer.on("open", (id: never) => note(log, `open:${id as string}`));
      peer.on("close", () => note(log, "close"));
      peer.on("disconnected", () => note(log, "disconnected"));
      peer.on("error", (e: never) => note(log, `error:${errorText(e)}`));
      peer.on("connection", (conn: never, metadata: never) => {
        const c = conn as AnyConnection;
        const key = watchConnection(name, c, options.listen ?? true);
        note(log, `connection:${c.peer}:${key}:${JSON.stringify(metadata ?? null)}`);
      });
      // sharedpeer only: a connection another tab of this peer placed.
      peer.on("sharedConnection", (conn: never) => {
        const c = conn as AnyConnection;
        if (c.connectionId.startsWith("mc_")) return;
        note(log, `shared:${c.peer}:${watchConnection(name, c, options.listen ?? true)}`);
      });
      const flags: PeerFlags[] = [];
      flagLog.set(name, flags);
      for (const event of ["open", "disconnected", "close", "error"]) {
        peer.on(event, () =>
          flags.push({ event, id: peer.id, open: peer.open, disconnected: peer.disconnected, destroyed: peer.destroyed }),
        );
      }
      if (options.wait === false) return "";
      return until(() => log.events.find((e) => e.startsWith("open:") || e.startsWith("error:")), `${name} open`);
    },
    peerEvents: (name: string) => peerLog.get(name)?.events ?? [],
    /** [event, Date.now() when it fired] for peer `name`, or for connection `key` with `timedConnEvents`. */
    timedPeerEvents: (name: string) => timed(peerLog.get(name)),
    timedConnEvents: (key: string) => timed(connLog.get(key)),
    /** Date.now() of each data item received on `key`. */
    dataTimes: (key: string) => connLog.get(key)?.dataAt ?? [],
    /** `JSON.stringify(err)` of peer `name`'s errors, or of connection `key`'s. */
    peerErrorJson: (name: string) => peerLog.get(name)?.errorJson ?? [],
    connErrorJson: (key: string) => connLog.get(key)?.errorJson ?? [],
    peerState(name: string) {
      const p = peers.get(name);
      if (!p) return null;
      const connections: Record<string, string[]> = {};
      for (const [remote, list] of Object.entries(p.connections)) connections[remote] = list.map((c) => c.connectionId);
      return { id: p.id, open: p.open, disconnected: p.disconnected, destroyed: p.destroyed, mode: p.mode ?? null, connections };
    },
    connect(name: string, remote: string, ...args: unknown[]): string {
      const peer = peers.get(name);
      if (!peer) throw new Error(`no peer ${name}`);
      return watchConnection(name, peer.connect(remote, ...args), true);
    },
    /** The key of the `nth` (from 0) incoming connection from `remote` (waits for it). */
    incoming: (name: string, remote: string, nth = 0) =>
      until(
        () =>
          peerLog
            .get(name)
            ?.events.filter((e) => e.startsWith(`connection:${remote}:`))
            [nth]?.split(":")[2],
        `connection from ${remote}`,
      ),
    waitOpen: (key: string) =>
      until(() => {
        const events = connLog.get(key)?.events ?? [];
        if (events.includes("open")) return "open";
        const bad = events.find((e) => e.startsWith("error") || e === "close");
        if (bad) throw new Error(`connection ${key}: ${bad}`);
        return undefined;
      }, `${key} open`),
    waitEvent: (key: string, event: string, ms?: number) =>
      until(() => (connLog.get(key)?.events.some((e) => e.startsWith(event)) ? true : undefined), `${key} ${event}`, ms),
    /** Waits until peer `name` had `count` events starting with `event` (a second `open:`, say). */
    waitPeerEvents: (name: string, event: string, count: number, ms?: number) =>
      until(
        () => ((peerLog.get(name)?.events.filter((e) => e.startsWith(event)).length ?? 0) >= count ? true : undefined),
        `${count}× ${name} ${event}`,
        ms,
      ),
    waitPeerEvent: (name: string, event: string, ms?: number) =>
      until(() => peerLog.get(name)?.events.find((e) => e.startsWith(event)), `${name} ${event}`, ms),
    waitData: (key: string, count: number, ms?: number) =>
      until(() => ((connLog.get(key)?.data.length ?? 0) >= count ? true : undefined), `${count} messages on ${key}`, ms),
    connEvents: (key: string) => connLog.get(key)?.events ?? [],
    progress: (key: string) => connLog.get(key)?.progress ?? [],
    waitProgress: (key: string, entry: string, ms?: number) =>
      until(() => (connLog.get(key)?.progress.includes(entry) ? true : undefined), `${key} progress ${entry}`, ms),
    connInfo(key: string) {
      const c = conns.get(key);
      if (!c) return null;
      const local = (c as unknown as { id?: unknown }).id;
      const hosted = (c as unknown as { peerConnection?: unknown }).peerConnection;
      return {
        peer: c.peer,
        connectionId: c.connectionId,
        metadata: c.metadata ?? null,
        serialization: c.serialization,
        open: c.open,
        id: local ?? null,
        hosted: Boolean(hosted),
      };
    },
    received: async (key: string): Promise<Described[]> => Promise.all((connLog.get(key)?.data ?? []).map(describe)),
    receivedCount: (key: string) => connLog.get(key)?.data.length ?? 0,
    /** Sends the values produced by `make` (a function source, so values are built in the page). */
    send(key: string, values: unknown[]): unknown[] {
      const c = conns.get(key);
      if (!c) throw new Error(`no connection ${key}`);
      return values.map((v) => c.send(v));
    },
    close(key: string, flush = false) {
      conns.get(key)?.close({ flush });
    },
    /** sharedpeer only: the hub's counts (peers, tabs, members, connections, ports, sockets). */
    stats(name: string): Promise<Record<string, number>> {
      const stats = (globalThis as unknown as { hubStats?: (p: AnyPeer) => Promise<Record<string, number>> }).hubStats;
      const peer = peers.get(name);
      if (!stats || !peer) throw new Error("hubStats needs the sharedpeer page and a peer");
      return stats(peer);
    },
    /** Sends `count` messages {tag, i}, i = 0..count-1, as fast as the API takes them. */
    sendNumbered(key: string, tag: string, count: number) {
      const c = conns.get(key);
      if (!c) throw new Error(`no connection ${key}`);
      for (let i = 0; i < count; i++) c.send({ tag, i });
    },
    /**
     * In one task: `before` messages {tag, i} (i from 0), one ArrayBuffer of `bytes` bytes patterned
     * with `seed` (see `buffers`), then `after` more {tag, i}.
     */
    sendLoad(key: string, tag: string, before: number, bytes: number, after: number, seed: number) {
      const c = conns.get(key);
      if (!c) throw new Error(`no connection ${key}`);
      for (let i = 0; i < before; i++) c.send({ tag, i });
      c.send(patterned(bytes, seed));
      for (let i = before; i < before + after; i++) c.send({ tag, i });
    },
    /** The received ArrayBuffers, checked here in the page: index among the data, size, and whether every byte is `seed`'s pattern. */
    buffers: (key: string, seed: number) =>
      (connLog.get(key)?.data ?? []).flatMap((d, at) =>
        d instanceof ArrayBuffer ? [{ at, byteLength: d.byteLength, intact: isPatterned(d, seed) }] : [],
      ),
    /** Received data in order, short: "tag:i" for {tag, i}, "bytes:<length>:intact|broken" for an ArrayBuffer (pattern `seed`). */
    digest: (key: string, seed: number) =>
      (connLog.get(key)?.data ?? []).map((d) => {
        if (d instanceof ArrayBuffer) return `bytes:${d.byteLength}:${isPatterned(d, seed) ? "intact" : "broken"}`;
        const m = d as { tag?: unknown; i?: unknown };
        return `${String(m.tag)}:${String(m.i)}`;
      }),
    /** Whether a received message is arriving in parts right now: the last receive progress is not `done`. */
    receivingPart(key: string): boolean {
      const last = connLog
        .get(key)
        ?.progress.filter((p) => p.startsWith("receive:"))
        .at(-1);
      return last !== undefined && !last.endsWith(":done");
    },
    /** Waits for the `count`th `resumed` on `key`; a `close` or `error` first rejects, naming the events seen. */
    waitResumed: (key: string, count = 1, ms?: number) =>
      until(
        () => {
          const events = connLog.get(key)?.events ?? [];
          const bad = events.find((e) => e.startsWith("error") || e === "close");
          // Each distinct event once: a pump that goes on sending adds one error per message.
          if (bad) throw new Error(`connection ${key} did not resume: ${[...new Set(events)].join(", ")}`);
          return events.filter((e) => e === "resumed").length >= count ? true : undefined;
        },
        `${key} resumed ×${count}`,
        ms,
      ),
    /** Sends {tag, i} on `key` (i from 0), `perTick` messages every `everyMs`, until `stopPump`. */
    startPump(key: string, tag: string, perTick: number, everyMs: number) {
      const c = conns.get(key);
      if (!c) throw new Error(`no connection ${key}`);
      const pump = { sent: 0, stop: () => clearInterval(timer) };
      const timer = setInterval(() => {
        for (let n = 0; n < perTick; n++) c.send({ tag, i: pump.sent++ });
      }, everyMs);
      pumps.set(`${key}|${tag}`, pump);
    },
    /** Stops a `startPump`; how many it sent. */
    stopPump(key: string, tag: string): number {
      const pump = pumps.get(`${key}|${tag}`);
      if (!pump) throw new Error(`no pump ${tag} on ${key}`);
      pump.stop();
      return pump.sent;
    },
    /** The `i` of each received {tag, i} with this `tag`, in arrival order. */
    tagged: (key: string, tag: string) =>
      (connLog.get(key)?.data ?? []).flatMap((d) => ((d as { tag?: unknown }).tag === tag ? [(d as { i: number }).i] : [])),
    /** Waits until `count` messages {tag, i} with this `tag` arrived on `key`. */
    waitTagged: (key: string, tag: string, count: number, ms?: number) =>
      until(
        () => ((connLog.get(key)?.data ?? []).filter((d) => (d as { tag?: unknown }).tag === tag).length >= count ? true : undefined),
        `${count} × ${tag} on ${key}`,
        ms,
      ),
    /** As `connect`, and sends `count` messages {tag, i} in the task in which the connection opens. */
    connectAndBurst(name: string, remote: string, tag: string, count: number, ...args: unknown[]): string {
      const peer = peers.get(name);
      if (!peer) throw new Error(`no peer ${name}`);
      const conn = peer.connect(remote, ...args);
      conn.on("open", () => {
        for (let i = 0; i < count; i++) conn.send({ tag, i });
      });
      return watchConnection(name, conn, true);
    },
    /** sharedpeer only: whether `dataConnection.dataChannel` is an RTCDataChannel in this tab. */
    hasDataChannel: (key: string) =>
      (conns.get(key) as unknown as { dataChannel?: unknown } | undefined)?.dataChannel instanceof RTCDataChannel,
    /** Received {tag, i} messages as "tag:i" strings, in arrival order. */
    numbered: (key: string) =>
      (connLog.get(key)?.data ?? []).map((d) => {
        const m = d as { tag?: unknown; i?: unknown };
        return `${String(m.tag)}:${String(m.i)}`;
      }),
    destroy: (name: string) => peers.get(name)?.destroy(),
    /** Id and flags of peer `name` at each of its open/disconnected/close/error events, in order. */
    peerFlags: (name: string) => flagLog.get(name) ?? [],
    /** Id and flags of peer `name` right now. */
    flagsNow(name: string): Omit<PeerFlags, "event"> | null {
      const p = peers.get(name);
      return p ? { id: p.id, open: p.open, disconnected: p.disconnected, destroyed: p.destroyed } : null;
    },
    /** As `connect`, but null where the library returns no connection (peerjs 1.5.5 once disconnected). */
    tryConnect(name: string, remote: string, ...args: unknown[]): string | null {
      const peer = peers.get(name);
      if (!peer) throw new Error(`no peer ${name}`);
      const conn = peer.connect(remote, ...args) as AnyConnection | undefined;
      return conn ? watchConnection(name, conn, true) : null;
    },
    /**
     * Sends `values` one by one, awaiting each `send` (peerjs returns a Promise for Blobs, which
     * could be overtaken otherwise), then, with `flushClose`, `close({ flush: true })`: peerjs's e2e.
     */
    async sendAll(key: string, values: unknown[], flushClose: boolean): Promise<void> {
      const c = conns.get(key);
      if (!c) throw new Error(`no connection ${key}`);
      for (const v of values) await c.send(v);
      if (flushClose) c.close({ flush: true });
    },
    /** Describes values made in the page (what `received` does for received ones). */
    describeAll: (values: readonly unknown[]): Promise<Described[]> => Promise.all(values.map(describe)),
    peer: (name: string) => peers.get(name),
    conn: (key: string) => conns.get(key),
  };
}

export type Harness = ReturnType<typeof createHarness>;
