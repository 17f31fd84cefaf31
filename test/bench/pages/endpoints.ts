/**
 * One message pipe per contender, so that the workloads in bench-harness.ts are written once:
 * a library's DataConnection, or a bare RTCDataChannel that chunks and reassembles by itself.
 */

/** What the workloads need from a connection, whoever implements it. */
export interface Endpoint {
  /** Sends one message; a promise means "wait before the next one" (backpressure). */
  send(value: unknown): Promise<void> | undefined;
  /** Receives each whole message; replaced by each phase of the benchmark. */
  onData: (data: unknown) => void;
  /** The size of each binary message to come (bare only needs it to reassemble). */
  expectBytes(bytes: number): void;
  readonly opened: Promise<void>;
  close(): void;
}

/** The part of a peerjs / sharedpeer DataConnection used here (same API in both). */
export interface LibConnection {
  readonly label: string;
  on(event: string, fn: (...args: never[]) => void): unknown;
  send(data: unknown): unknown;
  close(): void;
}

export function libEndpoint(conn: LibConnection, onClose: () => void): Endpoint {
  let failure = "";
  const endpoint: Endpoint = {
    onData: () => undefined,
    send(value) {
      conn.send(value);
      return undefined;
    },
    expectBytes: () => undefined,
    opened: new Promise<void>((resolve, reject) => {
      conn.on("open", () => resolve());
      conn.on("error", (e: never) => {
        failure = String((e as { message?: string }).message ?? e);
        reject(new Error(`connection ${conn.label}: ${failure}`));
      });
      conn.on("close", () => reject(new Error(`connection ${conn.label} closed before it opened`)));
    }),
    close: () => conn.close(),
  };
  endpoint.opened.catch(() => undefined);
  conn.on("data", (data: never) => endpoint.onData(data));
  conn.on("close", onClose);
  return endpoint;
}

/** 64 KiB: well below Chromium's 256 KiB SCTP message limit, the usual size for hand-made chunking. */
const BARE_CHUNK = 64 * 1024;
/** Sending waits above HIGH and resumes at the `bufferedamountlow` event (LOW). */
const BARE_HIGH = 4 * 1024 * 1024;
const BARE_LOW = 1024 * 1024;

/**
 * A bare ordered RTCDataChannel, no library: strings go as they are, ArrayBuffers in 64 KiB pieces
 * with `bufferedAmountLowThreshold` backpressure; the receiver knows each message's size.
 */
export function bareEndpoint(channel: RTCDataChannel): Endpoint {
  channel.binaryType = "arraybuffer";
  channel.bufferedAmountLowThreshold = BARE_LOW;
  let expected = 0;
  let assembling: Uint8Array | undefined;
  let filled = 0;
  const room = (): Promise<void> | undefined => {
    if (channel.bufferedAmount <= BARE_HIGH) return undefined;
    return new Promise((resolve) => channel.addEventListener("bufferedamountlow", () => resolve(), { once: true }));
  };
  const sendBytes = async (bytes: Uint8Array<ArrayBuffer>) => {
    for (let at = 0; at < bytes.byteLength; at += BARE_CHUNK) {
      await room();
      channel.send(bytes.subarray(at, Math.min(at + BARE_CHUNK, bytes.byteLength)));
    }
  };
  const receiveBytes = (piece: ArrayBuffer) => {
    if (expected <= BARE_CHUNK) return endpoint.onData(piece);
    assembling ??= new Uint8Array(expected);
    assembling.set(new Uint8Array(piece), filled);
    filled += piece.byteLength;
    if (filled < expected) return;
    const whole = assembling.buffer;
    assembling = undefined;
    filled = 0;
    endpoint.onData(whole);
  };
  const endpoint: Endpoint = {
    onData: () => undefined,
    send(value) {
      if (typeof value === "string") {
        const wait = room();
        if (wait) return wait.then(() => channel.send(value));
        channel.send(value);
        return undefined;
      }
      if (value instanceof ArrayBuffer) {
        if (value.byteLength <= BARE_CHUNK && channel.bufferedAmount <= BARE_HIGH) {
          channel.send(value);
          return undefined;
        }
        return sendBytes(new Uint8Array(value));
      }
      throw new TypeError("the bare channel sends strings and ArrayBuffers only");
    },
    expectBytes(bytes) {
      expected = bytes;
      assembling = undefined;
      filled = 0;
    },
    opened: new Promise<void>((resolve, reject) => {
      if (channel.readyState === "open") return resolve();
      channel.addEventListener("open", () => resolve(), { once: true });
      channel.addEventListener("close", () => reject(new Error(`bare channel ${channel.label} closed`)), { once: true });
    }),
    close: () => channel.close(),
  };
  endpoint.opened.catch(() => undefined);
  channel.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
    const data = event.data;
    if (typeof data === "string") endpoint.onData(JSON.parse(data));
    else receiveBytes(data);
  };
  return endpoint;
}
