/**
 * Runs in the benchmark pages (bench.html?lib=…). The same workloads against three contenders:
 * sharedpeer's Peer, peerjs 1.5.5's Peer, and a bare RTCDataChannel signalled by Node.
 * Node drives it through `page.evaluate`; times are page clocks on the epoch scale
 * (`performance.timeOrigin + performance.now()`), so that two pages' stamps can be subtracted.
 */
import { bareEndpoint, libEndpoint, type Endpoint, type LibConnection } from "./endpoints.js";

export type Lib = "sharedpeer" | "peerjs" | "bare";

export type Workload =
  /** One ArrayBuffer of `bytes`. */
  | { readonly kind: "bulk"; readonly bytes: number }
  /** `count` objects `{ i, s: "hello", a: [1, 2, 3] }` (JSON strings on the bare channel). */
  | { readonly kind: "small"; readonly count: number }
  /** `count` ArrayBuffers of `bytes` each. */
  | { readonly kind: "many"; readonly count: number; readonly bytes: number };

export interface Received {
  /** When the last message's `data` event ran (epoch ms). */
  readonly at: number;
  readonly count: number;
  readonly bytes: number;
}

interface AnyPeer {
  on(event: string, fn: (...args: never[]) => void): unknown;
  connect(id: string, options: Record<string, unknown>): LibConnection;
  destroy(): void;
  readonly mode?: string;
}
type PeerCtor = new (id: string, options: Record<string, unknown>) => AnyPeer;

const STEP_MS = 30_000;
const now = (): number => performance.timeOrigin + performance.now();

function within<T>(promise: Promise<T>, what: string, ms = STEP_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[bench page] timed out after ${ms} ms: ${what}`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** A byte pattern the receiver spot-checks, so that a wrong or truncated buffer cannot pass. */
const patternAt = (i: number): number => (i * 7 + 3) & 0xff;
function patterned(bytes: number): ArrayBuffer {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = patternAt(i);
  return out.buffer;
}
function looksRight(data: Uint8Array): boolean {
  const last = data.byteLength - 1;
  const mid = last >> 1;
  return data[0] === patternAt(0) && data[mid] === patternAt(mid) && data[last] === patternAt(last);
}

async function loadLibrary(lib: Lib, dist: string): Promise<PeerCtor | undefined> {
  if (lib === "sharedpeer") {
    const url = `${dist}/index.js`;
    const mod = (await import(/* @vite-ignore */ url)) as { Peer: PeerCtor };
    return mod.Peer;
  }
  if (lib === "peerjs") {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/node_modules/peerjs/dist/peerjs.min.js";
      script.onload = () => resolve();
      script.onerror = () => reject(new Error("could not load peerjs.min.js"));
      document.head.append(script);
    });
    return (window as unknown as { peerjs: { Peer: PeerCtor } }).peerjs.Peer;
  }
  return undefined;
}

/** `dist`: the folder of the sharedpeer build to load (another build for an A/B comparison); /dist by default. */
export async function installBench(libName: string | null, dist: string | null = null) {
  if (libName !== "sharedpeer" && libName !== "peerjs" && libName !== "bare") throw new Error(`unknown lib ${libName}`);
  const lib: Lib = libName;
  const Peer = await loadLibrary(lib, dist ?? "/dist");
  let peer: AnyPeer | undefined;
  const endpoints = new Map<string, Endpoint>();
  const pcs = new Map<string, RTCPeerConnection>();
  const sending = new Map<string, Promise<void>>();
  const receiving = new Map<string, Promise<Received>>();
  const payloads = new Map<string, ArrayBuffer>();
  const arrivals = new Map<string, () => void>();
  let busyTimer: ReturnType<typeof setInterval> | undefined;

  const endpoint = (label: string): Endpoint => {
    const e = endpoints.get(label);
    if (!e) throw new Error(`[bench page] no connection ${label}`);
    return e;
  };
  const register = (label: string, e: Endpoint) => {
    endpoints.set(label, e);
    arrivals.get(label)?.();
  };
  const accept = (conn: LibConnection) =>
    register(
      conn.label,
      libEndpoint(conn, () => endpoints.delete(conn.label)),
    );

  /**
   * The local description once it holds a candidate. On loopback the first host candidate is the
   * one that connects; waiting for gathering to complete costs ~120 ms more here.
   */
  async function gathered(pc: RTCPeerConnection): Promise<RTCSessionDescriptionInit> {
    if (pc.iceGatheringState !== "complete" && !pc.localDescription?.sdp.includes("a=candidate")) {
      await within(
        new Promise<void>((resolve) => {
          pc.addEventListener("icecandidate", () => resolve());
          pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
        }),
        "an ICE candidate",
      );
    }
    const d = pc.localDescription;
    if (!d) throw new Error("no local description");
    return { type: d.type, sdp: d.sdp };
  }

  return {
    lib,
    /** `new Peer(id, options)` until `open`: ms, the id, and where sharedpeer's hub runs. */
    async openPeer(id: string, options: Record<string, unknown>) {
      if (!Peer) throw new Error("the bare page has no Peer");
      const t0 = performance.now();
      const p = new Peer(id, options);
      peer = p;
      p.on("connection", (conn: never) => accept(conn as LibConnection));
      const opened = await within(
        new Promise<string>((resolve, reject) => {
          p.on("open", (got: never) => resolve(got as string));
          p.on("error", (e: never) => reject(new Error(`peer ${id}: ${(e as { type?: string }).type}: ${(e as Error).message}`)));
        }),
        `peer ${id} open`,
      );
      return { ms: performance.now() - t0, id: opened, mode: p.mode ?? null };
    },
    /** `connect()` until `open` on this side, in ms. */
    async connect(remote: string, label: string, serialization: string): Promise<number> {
      if (!peer) throw new Error("no peer");
      const t0 = performance.now();
      const e = libEndpoint(peer.connect(remote, { label, serialization, reliable: true }), () => endpoints.delete(label));
      endpoints.set(label, e);
      await within(e.opened, `connection ${label} open`);
      return performance.now() - t0;
    },
    /** Waits until the connection labelled `label` arrived here and is open. */
    async incoming(label: string): Promise<void> {
      if (!endpoints.has(label)) {
        await within(new Promise<void>((resolve) => arrivals.set(label, resolve)), `incoming connection ${label}`);
        arrivals.delete(label);
      }
      await within(endpoint(label).opened, `incoming ${label} open`);
    },
    close(label: string): void {
      endpoints.get(label)?.close();
      endpoints.delete(label);
      pcs.get(label)?.close();
      pcs.delete(label);
    },

    /** Bare signalling, step 1 (caller): offer with every candidate in it. `t0` starts connect(). */
    async bareOffer(label: string) {
      const t0 = performance.now();
      const pc = new RTCPeerConnection({ iceServers: [] });
      pcs.set(label, pc);
      endpoints.set(label, bareEndpoint(pc.createDataChannel(label, { ordered: true })));
      await pc.setLocalDescription();
      return { t0, sdp: await gathered(pc) };
    },
    /** Bare signalling, step 2 (callee). */
    async bareAnswer(label: string, offer: RTCSessionDescriptionInit) {
      const pc = new RTCPeerConnection({ iceServers: [] });
      pcs.set(label, pc);
      pc.ondatachannel = (event) => register(event.channel.label, bareEndpoint(event.channel));
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription();
      return gathered(pc);
    },
    /** Bare signalling, step 3 (caller): ms from `bareOffer` to the channel's `open`. */
    async bareFinish(label: string, answer: RTCSessionDescriptionInit, t0: number): Promise<number> {
      const pc = pcs.get(label);
      if (!pc) throw new Error(`no bare connection ${label}`);
      await pc.setRemoteDescription(answer);
      await within(endpoint(label).opened, `bare ${label} open`);
      return performance.now() - t0;
    },

    /** Builds the sender's buffers ahead of time, so that allocation is not measured. */
    prepare(label: string, w: Workload): void {
      if (w.kind !== "small") payloads.set(label, patterned(w.bytes));
    },
    /** The receiver's side of `w`: counts and checks messages; `received()` resolves at the last. */
    arm(label: string, w: Workload): void {
      const e = endpoint(label);
      const want = w.kind === "bulk" ? 1 : w.count;
      e.expectBytes(w.kind === "small" ? 0 : w.bytes);
      let count = 0;
      let bytes = 0;
      receiving.set(
        label,
        new Promise<Received>((resolve, reject) => {
          e.onData = (data) => {
            if (w.kind === "small") {
              const i = (data as { i?: unknown } | null)?.i;
              if (i !== count) return reject(new Error(`message ${count} arrived as ${JSON.stringify(data)?.slice(0, 80)}`));
            } else {
              const got = bytesOf(data);
              if (!got || got.byteLength !== w.bytes || !looksRight(got)) {
                return reject(new Error(`message ${count}: expected ${w.bytes} patterned bytes, got ${got?.byteLength ?? typeof data}`));
              }
              bytes += got.byteLength;
            }
            if (++count === want) resolve({ at: now(), count, bytes });
          };
        }),
      );
      receiving.get(label)?.catch(() => undefined);
    },
    /** Starts sending `w`; returns the epoch ms of the first `send()`. Sending goes on in the background. */
    start(label: string, w: Workload): number {
      const e = endpoint(label);
      const payload = payloads.get(label);
      const t0 = now();
      const run = async () => {
        if (w.kind === "small") {
          for (let i = 0; i < w.count; i++) {
            const value = { i, s: "hello", a: [1, 2, 3] };
            const wait = e.send(lib === "bare" ? JSON.stringify(value) : value);
            if (wait) await wait;
          }
          return;
        }
        if (!payload) throw new Error("prepare() first");
        const count = w.kind === "bulk" ? 1 : w.count;
        for (let i = 0; i < count; i++) {
          const wait = e.send(payload);
          if (wait) await wait;
        }
      };
      const done = run();
      done.catch(() => undefined);
      sending.set(label, done);
      return t0;
    },
    /** Resolves when the sender handed everything over (the bare channel's loop is async). */
    sent: (label: string) => within(sending.get(label) ?? Promise.resolve(), `sending on ${label}`),
    received: (label: string, ms: number) =>
      within(receiving.get(label) ?? Promise.reject(new Error("arm() first")), `receiving on ${label}`, ms),
    /** Frees the sender's buffers. */
    release(label: string): void {
      payloads.delete(label);
    },

    /** The far end of `ping`: sends every message straight back. */
    echo(label: string): void {
      const e = endpoint(label);
      e.expectBytes(1);
      e.onData = (data) => {
        e.send(data)?.catch((error: unknown) => console.error(`echo on ${label}:`, error));
      };
    },
    /** `n` round trips of a 1-byte ArrayBuffer, one after another; each in ms. */
    async ping(label: string, n: number): Promise<number[]> {
      const e = endpoint(label);
      e.expectBytes(1);
      const rtts: number[] = [];
      for (let k = 0; k < n; k++) {
        const t0 = performance.now();
        await within(
          new Promise<void>((resolve, reject) => {
            e.onData = () => resolve();
            e.send(new Uint8Array([k & 0xff]).buffer)?.catch(reject);
          }),
          `pong ${k} on ${label}`,
          5000,
        );
        rtts.push(performance.now() - t0);
      }
      return rtts;
    },
    /**
     * Keeps this page's main thread busy as an app's would be (rendering, a game loop): a `taskMs`
     * task every `everyMs`, until `idle()`. Node's calls into the page wait for the gaps too.
     */
    busy(taskMs: number, everyMs: number): void {
      clearInterval(busyTimer);
      busyTimer = setInterval(() => {
        const end = performance.now() + taskMs;
        while (performance.now() < end) {
          // spinning on purpose: a long task
        }
      }, everyMs);
    },
    idle(): void {
      clearInterval(busyTimer);
      busyTimer = undefined;
    },
    destroy(): void {
      for (const label of [...endpoints.keys()]) this.close(label);
      peer?.destroy();
    },
  };
}

export type BenchHarness = Awaited<ReturnType<typeof installBench>>;
