/** @internal What a tab tells the worker about the peer it wants; resolved from the public options. */
export interface PeerSettings {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly secure: boolean;
  readonly key: string;
  /** The id's password at the server; the worker keeps one per shared peer. */
  readonly token: string;
  readonly pingInterval: number;
  readonly referrerPolicy: ReferrerPolicy;
  readonly config: RTCConfiguration;
  readonly debug: LogLevel;
  /** false: this Peer object is never shared with another tab. */
  readonly share: boolean;
  readonly limits: ReceiveLimits;
  /** false: never offer or accept the sharedpeer wire extension (protocol.md §2.7); default true. */
  readonly wireExtension?: boolean;
}

/**
 * Bounds on what a remote peer can make us hold; a breach is an error on that connection.
 *
 * @example
 * new Peer("alice", { limits: { maxMessageBytes: 32 * 1024 * 1024, chunkTimeout: 10_000 } });
 */
export interface ReceiveLimits {
  /** Largest message accepted once reassembled, in bytes (default 256 MiB). */
  readonly maxMessageBytes: number;
  /** Bytes one connection may hold in unfinished chunked messages (default 256 MiB). */
  readonly maxPendingBytes: number;
  /** ms an unfinished chunked message may wait for its next chunk (default 30 000). */
  readonly chunkTimeout: number;
}

/** @internal */
export const DEFAULT_RECEIVE_LIMITS: ReceiveLimits = {
  maxMessageBytes: 256 * 1024 * 1024,
  maxPendingBytes: 256 * 1024 * 1024,
  chunkTimeout: 30_000,
};

/**
 * Where the RTCDataChannels a tab hosts live: `worker` (default) in the tab's channel worker, so
 * that their bytes never touch the main thread; `page` on the main thread, where
 * `DataConnection.dataChannel` returns them (with `worker` it is null, as in the tabs that do not
 * host the connection). One Peer of a tab asking for `page` keeps the channels that tab makes from
 * then on on the page.
 *
 * @example
 * new Peer("alice", { dataPlane: "page" }); // conn.dataChannel is the RTCDataChannel in the host tab
 */
export type DataPlane = "worker" | "page";

/**
 * 0 nothing, 1 errors, 2 warnings, 3 everything (peerjs LogLevel).
 *
 * @example
 * new Peer("alice", { debug: 2 });
 */
export type LogLevel = 0 | 1 | 2 | 3;

/**
 * Names accepted by `connect`; `none` is the 2013 name of `raw`.
 *
 * @example
 * peer.connect("bob", { serialization: "raw" }); // strings and ArrayBuffers as they are
 */
export type SerializationName = "binary" | "binary-utf8" | "json" | "raw" | "none" | "MsgPack";

/** What goes on the wire in OFFER.serialization. */
export type WireSerialization = "binary" | "json" | "raw" | "MsgPack";

/** @internal */
export interface ConnectSettings {
  readonly connectionId: string;
  readonly label: string;
  readonly metadata: unknown;
  readonly serialization: WireSerialization;
  readonly reliable: boolean;
}

/** Every name `connect` takes, and what goes on the wire for it: the one serialization table. */
const WIRE_SERIALIZATION: { readonly [N in SerializationName]: WireSerialization } = {
  binary: "binary",
  "binary-utf8": "binary",
  json: "json",
  raw: "raw",
  none: "raw",
  MsgPack: "MsgPack",
};

/** @internal */
export function isSerializationName(name: unknown): name is SerializationName {
  return typeof name === "string" && Object.hasOwn(WIRE_SERIALIZATION, name);
}

/** @internal */
export function isWireSerialization(name: unknown): name is WireSerialization {
  return Object.values(WIRE_SERIALIZATION).some((wire) => wire === name);
}

/** @internal */
export function toWireSerialization(name: SerializationName): WireSerialization {
  return WIRE_SERIALIZATION[name];
}

/** @internal A remote's OFFER may also say nothing or `default` (peerjs's name for binary); undefined: one we do not speak. */
export function offeredSerialization(name: string | undefined): WireSerialization | undefined {
  if (name === undefined || name === "default") return "binary";
  return isSerializationName(name) ? WIRE_SERIALIZATION[name] : undefined;
}

/** @internal The base URL of a PeerServer, the part of a peer's identity that says where it lives. */
export function serverOrigin(s: Pick<PeerSettings, "secure" | "host" | "port" | "path">): string {
  return `${s.secure ? "https" : "http"}://${s.host}:${s.port}${s.path}`;
}
