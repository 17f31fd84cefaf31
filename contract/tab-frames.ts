import type { WireError } from "./errors.js";
import type { ConnRef, MemberId } from "./ids.js";
import type { LogLevel, WireSerialization } from "./options.js";

/** @internal What every tab learns about a connection when it appears. */
export interface ConnectionInfo {
  readonly ref: ConnRef;
  readonly connectionId: string;
  readonly remoteId: string;
  readonly label: string;
  readonly metadata: unknown;
  readonly serialization: WireSerialization;
  readonly reliable: boolean;
  readonly open: boolean;
}

/** @internal What every tab learns about a media call when it appears. */
export interface CallInfo {
  readonly ref: ConnRef;
  readonly connectionId: string;
  readonly remoteId: string;
  readonly metadata: unknown;
}

/**
 * Per-connection events, delivered to one Peer object (member). Media calls use the same ones
 * (open, error, closed, ice state) under their own ref.
 * @internal
 */
export type ConnectionEvent =
  | { readonly t: "conn-open"; readonly member: MemberId; readonly ref: ConnRef }
  | { readonly t: "conn-data"; readonly member: MemberId; readonly ref: ConnRef; readonly data: unknown }
  | { readonly t: "conn-error"; readonly member: MemberId; readonly ref: ConnRef; readonly error: WireError }
  | { readonly t: "conn-closed"; readonly member: MemberId; readonly ref: ConnRef }
  | { readonly t: "conn-ice-state"; readonly member: MemberId; readonly ref: ConnRef; readonly state: RTCIceConnectionState }
  | { readonly t: "conn-progress"; readonly member: MemberId; readonly ref: ConnRef; readonly progress: TransferProgress }
  /** The connection lost its channel (a host tab went away, here or at the remote) and carries on over a new one. */
  | { readonly t: "conn-resumed"; readonly member: MemberId; readonly ref: ConnRef }
  /**
   * The send queue changed: `queued` messages wait in the worker for this connection (from every
   * tab), and the worker has taken `taken` send requests of this member so far (`bufferSize`).
   */
  | { readonly t: "conn-buffer"; readonly member: MemberId; readonly ref: ConnRef; readonly queued: number; readonly taken: number };

/**
 * How far one large message (more than one chunk) has moved; see `sendProgress`/`receiveProgress`.
 * `send`: `id` is what `send()` returned, `bytes` left this peer's channel. `receive`: `id` is the
 * remote's message number, and `total` is an estimate (whole chunks) until `done`.
 *
 * @example
 * conn.on("receiveProgress", (p) => (bar.value = p.bytes / p.total));
 */
export interface TransferProgress {
  readonly direction: "send" | "receive";
  readonly id: number;
  readonly bytes: number;
  readonly total: number;
  readonly done: boolean;
}

/** @internal Events about the peer, delivered to one Peer object (member). */
export type PeerEvent =
  | { readonly t: "peer-open"; readonly member: MemberId; readonly id: string }
  | { readonly t: "peer-disconnected"; readonly member: MemberId; readonly id: string }
  | { readonly t: "peer-error"; readonly member: MemberId; readonly error: WireError }
  /** The worker ended this member (fatal error before open, or the peer was destroyed). */
  | { readonly t: "peer-closed"; readonly member: MemberId }
  /** `incoming`: emit `connection`; otherwise the connection was placed by another tab and only joins `connections`. */
  | { readonly t: "conn-added"; readonly member: MemberId; readonly conn: ConnectionInfo; readonly incoming: boolean }
  /** `incoming`: emit `call`; otherwise another tab placed it. */
  | { readonly t: "call-added"; readonly member: MemberId; readonly call: CallInfo; readonly incoming: boolean }
  /** An incoming call was answered; `here`: by this member's tab, which hosts it. */
  | { readonly t: "call-answered"; readonly member: MemberId; readonly ref: ConnRef; readonly here: boolean };

/** @internal Requests to the tab's RTC host: it owns the RTCPeerConnection behind `ref`. */
export type RtcCommand =
  | {
      readonly t: "rtc-create";
      /** This RTCPeerConnection's own ref: the connection's, or a new one when it resumes. */
      readonly ref: ConnRef;
      /** The connection it carries, as the tab's DataConnection knows it. */
      readonly conn: ConnRef;
      readonly config: RTCConfiguration;
      readonly label: string;
      readonly reliable: boolean;
      /** Present for the answering side. */
      readonly offer?: RTCSessionDescriptionInit;
    }
  /** A media call's RTCPeerConnection: the tab holds its stream and sdpTransform under `connectionId`. */
  | {
      readonly t: "rtc-create-media";
      readonly ref: ConnRef;
      readonly connectionId: string;
      readonly config: RTCConfiguration;
      /** Present for the answering side. */
      readonly offer?: RTCSessionDescriptionInit;
    }
  | { readonly t: "rtc-remote-description"; readonly ref: ConnRef; readonly sdp: RTCSessionDescriptionInit }
  | { readonly t: "rtc-remote-candidate"; readonly ref: ConnRef; readonly candidate: RTCIceCandidateInit }
  /**
   * Channel messages laid end to end in `bytes`; `sizes[i]` is the length of message i. `lowWater`
   * is the channel's bufferedAmountLowThreshold from now on: the host reports when it drains to it.
   */
  | {
      readonly t: "rtc-send";
      readonly ref: ConnRef;
      readonly bytes: ArrayBuffer;
      readonly sizes: readonly number[];
      readonly lowWater: number;
    }
  | { readonly t: "rtc-send-text"; readonly ref: ConnRef; readonly text: string; readonly lowWater: number }
  | { readonly t: "rtc-close"; readonly ref: ConnRef };

/** @internal */
export interface LogFrame {
  readonly t: "log";
  readonly member: MemberId;
  readonly level: LogLevel;
  readonly args: readonly unknown[];
}

/** @internal The heartbeat where Web Locks are missing (contract/liveness.ts): the tab answers every ping. */
export interface PingFrame {
  readonly t: "ping";
}

/** @internal Everything the worker posts on a tab's port. */
export type ToTab = PeerEvent | ConnectionEvent | RtcCommand | LogFrame | PingFrame;

/** @internal Reports from the tab's RTC host. */
export type RtcReport =
  | { readonly t: "rtc-local-description"; readonly ref: ConnRef; readonly sdp: RTCSessionDescriptionInit }
  | { readonly t: "rtc-local-candidate"; readonly ref: ConnRef; readonly candidate: RTCIceCandidateInit }
  | { readonly t: "rtc-channel-open"; readonly ref: ConnRef }
  | { readonly t: "rtc-channel-closed"; readonly ref: ConnRef }
  | { readonly t: "rtc-ice-state"; readonly ref: ConnRef; readonly state: RTCIceConnectionState }
  /** Binary channel messages received since the last report, laid end to end (one copy beats many transfers). */
  | { readonly t: "rtc-received"; readonly ref: ConnRef; readonly bytes: ArrayBuffer; readonly sizes: readonly number[] }
  | { readonly t: "rtc-received-text"; readonly ref: ConnRef; readonly text: string }
  /** `accepted`: bytes handed to the channel so far; `buffered`: its bufferedAmount now. */
  | { readonly t: "rtc-drained"; readonly ref: ConnRef; readonly accepted: number; readonly buffered: number }
  | { readonly t: "rtc-failed"; readonly ref: ConnRef; readonly message: string };

/** @internal Requests from a Peer object about a connection; on the tab port so that they keep order with sends. */
export type ConnectionRequest =
  /** `sendId`: the sender's number for this message, echoed in its progress events. */
  | { readonly t: "send"; readonly member: MemberId; readonly ref: ConnRef; readonly value: unknown; readonly sendId: number }
  | { readonly t: "close"; readonly member: MemberId; readonly ref: ConnRef; readonly flush: boolean }
  | { readonly t: "subscribe"; readonly member: MemberId; readonly ref: ConnRef; readonly on: boolean };

/** @internal */
export interface VisibilityFrame {
  readonly t: "visibility";
  readonly visible: boolean;
}

/** @internal `pong` answers a ping; `bye`: the page is going (`pagehide`), sooner than the heartbeat could tell. */
export type LivenessFrame = { readonly t: "pong" } | { readonly t: "bye" };

/** @internal The hub's end of this tab's channel plane (contract/plane-frames.ts), transferred. */
export interface ChannelPlaneFrame {
  readonly t: "channel-plane";
  readonly port: MessagePort;
}

/** @internal Everything a tab posts on its port. */
export type ToWorker = RtcReport | ConnectionRequest | VisibilityFrame | LivenessFrame | ChannelPlaneFrame;

/** @internal Frames travel in batches: one postMessage per batch, buffers transferred. */
export type Batch<F> = readonly F[];
