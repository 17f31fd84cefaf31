import {
  DEFAULT_RECEIVE_LIMITS,
  isSerializationName,
  serverOrigin,
  toWireSerialization,
  type ConnectSettings,
  type PeerSettings,
  type ReceiveLimits,
  type SerializationName,
} from "../contract/options.js";
import { newConnectionId, randomToken } from "../contract/ids.js";
import { toLogLevel, type LogFunction } from "./logger.js";
import type { SerializerMapping } from "./serializers.js";
import type { CallOptions } from "./media-connection.js";
import type { WorkerModeOption } from "../contract/worker-api.js";
import type { DataPlane } from "../contract/options.js";

// Declared in contract/ so that the worker link needs nothing from this file (no import cycle).
export type { WorkerModeOption, DataPlane };

/**
 * Options of `new Peer(...)`: those of peerjs 1.5.5 with its defaults, plus `worker`,
 * `workerUrl`, `share` and `dataPlane`.
 *
 * @example
 * new Peer("alice", { host: "127.0.0.1", port: 9000, path: "/", config: { iceServers: [] } });
 */
export interface PeerOptions {
  /** API key of the PeerServer (default `"peerjs"`). */
  key?: string;
  /** Server host (default `"0.peerjs.com"`); `"/"` means this page's host. */
  host?: string;
  /** Server port (default 443, as peerjs, even for another host). */
  port?: number;
  /** Path the PeerServer is mounted at (default `"/"`). */
  path?: string;
  /** wss/https; default: true for the cloud host, else whether this page is https. */
  secure?: boolean;
  /** The id's password at the server; default random, one per shared peer. */
  token?: string;
  /** Passed to every RTCPeerConnection (default: peerjs's STUN and TURN servers). */
  config?: RTCConfiguration;
  /** 0 none, 1 errors, 2 warnings, 3 everything; `true` = 3. */
  debug?: number | boolean;
  /** Heartbeat period to the server in ms (default 5000). */
  pingInterval?: number;
  /** Referrer policy of the HTTP requests to the server. */
  referrerPolicy?: ReferrerPolicy;
  /** Receives log lines instead of the console. */
  logFunction?: LogFunction;
  /** Where the hub runs (default `"auto"`). */
  worker?: WorkerModeOption;
  /** Where the worker script is (default: `worker.js` beside this module; `channel-worker.js` is expected beside it). Same origin. */
  workerUrl?: string | URL;
  /** Where the channels this tab hosts live (default `"worker"`): `"page"` keeps `dataConnection.dataChannel`. */
  dataPlane?: DataPlane;
  /** Tabs asking for the same id, server and key share one peer (default true). */
  share?: boolean;
  /** Bounds on what a remote can make this peer hold (defaults: 256 MiB, 256 MiB, 30 s). */
  limits?: Partial<ReceiveLimits>;
  /**
   * Between two sharedpeers, a faster wire of their own (coalesced small messages, plainly framed
   * large ones; docs/protocol.md §2.7 and §5); towards peerjs it is never used. Default true.
   */
  wireExtension?: boolean;
  /** peerjs's serializer classes: sharedpeer takes `{ MsgPack }` and `{ default: MsgPack }` (see `SerializerMapping`). */
  serializers?: SerializerMapping;
}

/**
 * Options of `peer.connect(id, options)`.
 *
 * @example
 * peer.connect("bob", { serialization: "json", reliable: true, metadata: { nick: "al" } });
 */
export interface ConnectOptions {
  /** RTCDataChannel label (default: the connection id). */
  label?: string;
  /** Any JSON value, handed to the remote with the connection. */
  metadata?: unknown;
  /** Default `"binary"`. */
  serialization?: SerializationName;
  /** true: ordered channel; false (default, as peerjs): unordered. */
  reliable?: boolean;
}

export const CLOUD_HOST = "0.peerjs.com";
export const DEFAULT_CONFIG: RTCConfiguration = {
  iceServers: [
    { urls: "stun:stun.l.google.com:19302" },
    {
      urls: ["turn:eu-0.turn.peerjs.com:3478", "turn:us-0.turn.peerjs.com:3478"],
      username: "peerjs",
      credential: "peerjsp",
    },
  ],
};
const ID_PATTERN = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;

/** @internal */
export function isValidId(id: string): boolean {
  return id === "" || ID_PATTERN.test(id);
}

/** @internal `new Peer()`, `new Peer(options)`, `new Peer(id, options?)`. */
export function splitPeerArgs(
  idOrOptions: string | PeerOptions | null | undefined,
  options: PeerOptions | undefined,
): { id: string | null; options: PeerOptions } {
  if (idOrOptions !== null && typeof idOrOptions === "object") return { id: null, options: { ...idOrOptions } };
  if (idOrOptions !== null && idOrOptions !== undefined && typeof idOrOptions !== "string") {
    throw new TypeError(`Peer id must be a string, got ${typeof idOrOptions}`);
  }
  return { id: idOrOptions || null, options: { ...options } };
}

function normalizePath(path: string): string {
  let p = path.startsWith("/") ? path : `/${path}`;
  if (!p.endsWith("/")) p += "/";
  return p;
}

const TOKEN_PREFIX = "sharedpeer:token:";

/**
 * The token of a shared id, kept per (server, key, id) in localStorage: when the last tab reloads,
 * the worker restarts, and the server may still hold the id for the old socket; with the same token
 * the server hands the id over instead of answering "ID is taken" (protocol.md §1.7).
 * @internal
 */
export function sharedToken(settings: PeerSettings, id: string): string {
  const storage = typeof localStorage === "undefined" ? undefined : localStorage;
  const name = `${TOKEN_PREFIX}${serverOrigin(settings)}|${settings.key}|${id}`;
  try {
    const kept = storage?.getItem(name);
    if (kept) return kept;
    storage?.setItem(name, settings.token);
  } catch {
    // Storage can be disabled (privacy modes); the token then lives as long as the worker.
  }
  return settings.token;
}

/** @internal `connect()`'s options, in either form, as the worker gets them. */
export function connectSettings(
  optionsOrSerialization: ConnectOptions | SerializationName | undefined,
  metadata: unknown,
  fallback: SerializationName,
): { settings: ConnectSettings; serialization: SerializationName } {
  const options: ConnectOptions =
    typeof optionsOrSerialization === "string" ? { serialization: optionsOrSerialization, metadata } : { ...optionsOrSerialization };
  const serialization = options.serialization ?? fallback;
  if (!isSerializationName(serialization)) throw new TypeError(`unknown serialization "${String(serialization)}"`);
  const connectionId = newConnectionId();
  const settings: ConnectSettings = {
    connectionId,
    label: options.label ?? connectionId,
    metadata: options.metadata,
    serialization: toWireSerialization(serialization),
    // As peerjs's StreamConnection: MsgPack needs an ordered, reliable channel.
    reliable: serialization === "MsgPack" || (options.reliable ?? false),
  };
  return { settings, serialization };
}

/** @internal The settings the worker gets, with peerjs 1.5.5's defaults and quirks (protocol.md §1.8). */
export function resolveSettings(options: PeerOptions, page: Location | undefined): PeerSettings {
  let host = options.host ?? CLOUD_HOST;
  if (host === "/") host = page?.hostname ?? "localhost";
  const secure = host === CLOUD_HOST ? true : (options.secure ?? page?.protocol === "https:");
  return {
    host,
    port: options.port ?? 443,
    path: normalizePath(options.path ?? "/"),
    secure,
    key: options.key ?? "peerjs",
    token: options.token ?? randomToken(),
    pingInterval: options.pingInterval ?? 5000,
    referrerPolicy: options.referrerPolicy ?? "strict-origin-when-cross-origin",
    config: options.config ?? DEFAULT_CONFIG,
    debug: toLogLevel(options.debug),
    share: options.share ?? true,
    limits: { ...DEFAULT_RECEIVE_LIMITS, ...options.limits },
    wireExtension: options.wireExtension ?? true,
  };
}

/**
 * peerjs's name for the server part of the Peer options.
 *
 * @example
 * const server: PeerJSOption = { host: "127.0.0.1", port: 9000, path: "/" };
 */
export type PeerJSOption = Pick<PeerOptions, "key" | "host" | "port" | "path" | "secure" | "token" | "config" | "debug" | "referrerPolicy">;

/**
 * peerjs's name for the options of `connect()`.
 *
 * @example
 * const options: PeerConnectOption = { serialization: "json", reliable: true };
 */
export type PeerConnectOption = ConnectOptions;

/**
 * peerjs's name for the options of `peer.call()`.
 *
 * @example
 * const options: CallOption = { metadata: { room: 7 } };
 */
export type CallOption = CallOptions;

/**
 * peerjs's name for the options of `mediaConnection.answer()`.
 *
 * @example
 * const options: AnswerOption = { sdpTransform: (sdp) => sdp };
 */
export type AnswerOption = Pick<CallOptions, "sdpTransform">;
