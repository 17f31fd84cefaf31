/**
 * peerjs 1.5.5's `util` (https://github.com/peers/peerjs/blob/v1.5.5/lib/util.ts), without its
 * import-time work: peerjs builds an RTCPeerConnection when the module loads, sharedpeer probes on
 * the first read of `util.supports` and keeps the answer.
 */
import { pack, unpack } from "peerjs-js-binarypack";
import { randomToken } from "../contract/ids.js";
import { CLOUD_HOST, DEFAULT_CONFIG, isValidId } from "./options.js";

/**
 * What this browser supports, as peerjs reports it.
 *
 * @example
 * if (!util.supports.data) showUnsupported();
 */
export interface UtilSupportsObj {
  /** A browser peerjs supports (Chrome 72+, Firefox 59+, desktop Safari 605+). */
  browser: boolean;
  /** RTCPeerConnection exists. */
  webRTC: boolean;
  /** An RTCPeerConnection can be made (media calls). */
  audioVideo: boolean;
  /** A data channel can be made. */
  data: boolean;
  /** Data channels take Blobs (false on iOS). */
  binaryBlob: boolean;
  /** Data channels can be ordered. */
  reliable: boolean;
}

/**
 * The type of `util`.
 *
 * @example
 * const u: Util = util;
 */
export interface Util {
  noop(): void;
  readonly CLOUD_HOST: string;
  readonly CLOUD_PORT: number;
  readonly chunkedBrowsers: { Chrome: number; chrome: number };
  readonly chunkedMTU: number;
  readonly defaultConfig: RTCConfiguration;
  /** `"firefox"`, `"chrome"`, `"safari"`, `"Not a supported browser."` or `"Not a browser."`. */
  readonly browser: string;
  readonly browserVersion: number;
  readonly supports: UtilSupportsObj;
  pack: typeof pack;
  unpack: typeof unpack;
  validateId(id: string): boolean;
  randomToken(): string;
  chunk(blob: ArrayBuffer): Array<{ __peerData: number; n: number; total: number; data: Uint8Array }>;
  blobToArrayBuffer(blob: Blob, cb: (arg: ArrayBuffer | null) => void): FileReader;
  binaryStringToArrayBuffer(binary: string): ArrayBuffer;
  isSecure(): boolean;
}

interface BrowserDetails {
  readonly browser: string;
  readonly version: number;
}

/** The detection peerjs gets from webrtc-adapter: by the vendor APIs present, then the UA version. */
function detectBrowser(): BrowserDetails {
  if (typeof window === "undefined" || typeof navigator === "undefined") return { browser: "Not a browser.", version: 0 };
  const ua = navigator.userAgent;
  const version = (pattern: RegExp, group: number) => Number(pattern.exec(ua)?.[group] ?? 0);
  const nav = navigator as Navigator & { mozGetUserMedia?: unknown; webkitGetUserMedia?: unknown };
  if (nav.mozGetUserMedia) return { browser: "firefox", version: version(/Firefox\/(\d+)\./, 1) };
  if (nav.webkitGetUserMedia || (window.isSecureContext === false && "webkitRTCPeerConnection" in window)) {
    return { browser: "chrome", version: version(/Chrom(e|ium)\/(\d+)\./, 2) };
  }
  if (typeof RTCPeerConnection !== "undefined" && /AppleWebKit\/(\d+)\./.test(ua)) {
    return { browser: "safari", version: version(/AppleWebKit\/(\d+)\./, 1) };
  }
  return { browser: "Not a supported browser.", version: 0 };
}

const MIN_VERSION: Record<string, number> = { chrome: 72, firefox: 59, safari: 605 };

function isIOS(): boolean {
  return typeof navigator !== "undefined" && ["iPad", "iPhone", "iPod"].includes(navigator.platform);
}

function probeSupports(details: BrowserDetails): UtilSupportsObj {
  const min = MIN_VERSION[details.browser];
  const supported: UtilSupportsObj = {
    browser: min !== undefined && details.version >= min && !(details.browser === "safari" && isIOS()),
    webRTC: typeof RTCPeerConnection !== "undefined",
    audioVideo: false,
    data: false,
    binaryBlob: false,
    reliable: false,
  };
  if (!supported.webRTC) return supported;
  let pc: RTCPeerConnection | undefined;
  try {
    // No ICE servers: the probe never gathers, and nothing leaves the machine.
    pc = new RTCPeerConnection({ iceServers: [] });
    supported.audioVideo = true;
    const dc = pc.createDataChannel("_PEERJSTEST", { ordered: true });
    supported.data = true;
    supported.reliable = dc.ordered;
    try {
      dc.binaryType = "blob";
      supported.binaryBlob = !isIOS();
    } catch {
      // binaryType "blob" refused: binaryBlob stays false.
    }
    dc.close();
  } catch {
    // No RTCPeerConnection or no data channel here: the flags set so far are the answer.
  } finally {
    pc?.close();
  }
  return supported;
}

/** peerjs 1.5.5 `util.chunkedMTU`. */
const CHUNKED_MTU = 16300;

/** peerjs numbers chunked messages from 1 per page. */
let nextChunkedMessage = 1;
let browserDetails: BrowserDetails | undefined;
let supports: UtilSupportsObj | undefined;
const details = (): BrowserDetails => (browserDetails ??= detectBrowser());

/**
 * peerjs's helpers: browser detection, feature support, id validation, BinaryPack, chunking.
 * Reading `supports` the first time makes (and closes) one RTCPeerConnection; importing does nothing.
 *
 * @example
 * import { util } from "sharedpeer";
 * if (util.supports.data && util.validateId(name)) new Peer(name);
 */
export const util: Util = {
  noop() {},
  CLOUD_HOST,
  CLOUD_PORT: 443,
  chunkedBrowsers: { Chrome: 1, chrome: 1 },
  chunkedMTU: CHUNKED_MTU,
  defaultConfig: DEFAULT_CONFIG,
  get browser() {
    return details().browser;
  },
  get browserVersion() {
    return details().version;
  },
  get supports() {
    return (supports ??= probeSupports(details()));
  },
  pack,
  unpack,
  validateId: isValidId,
  randomToken: () => randomToken(),
  chunk(blob) {
    const bytes = new Uint8Array(blob);
    const total = Math.ceil(bytes.byteLength / CHUNKED_MTU);
    const id = nextChunkedMessage++;
    return Array.from({ length: total }, (_, n) => ({
      __peerData: id,
      n,
      data: bytes.slice(n * CHUNKED_MTU, (n + 1) * CHUNKED_MTU),
      total,
    }));
  },
  blobToArrayBuffer(blob, cb) {
    const reader = new FileReader();
    reader.onload = () => cb(reader.result instanceof ArrayBuffer ? reader.result : null);
    reader.readAsArrayBuffer(blob);
    return reader;
  },
  binaryStringToArrayBuffer(binary) {
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i) & 0xff;
    return bytes.buffer;
  },
  isSecure: () => typeof location !== "undefined" && location.protocol === "https:",
};
