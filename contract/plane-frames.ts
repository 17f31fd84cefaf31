import type { ConnRef } from "./ids.js";
import type { RtcCommand, RtcReport } from "./tab-frames.js";

/**
 * The channel plane: a tab's RTCDataChannels live in its channel worker (a dedicated Worker, the
 * only kind a channel can be transferred to), which holds a MessagePort to the hub. Bytes cross it
 * in the frames the tab port carries in the page fallback, so the hub treats both alike.
 */

/** @internal What the hub sends on a plane: the channel commands of the links whose channel opened there. */
export type PlaneCommand = Extract<RtcCommand, { t: "rtc-send" | "rtc-send-text" | "rtc-close" }>;

/** @internal What a channel worker reports on its plane. */
export type PlaneReport = Extract<
  RtcReport,
  { t: "rtc-channel-open" | "rtc-channel-closed" | "rtc-received" | "rtc-received-text" | "rtc-drained" | "rtc-failed" }
>;

const PLANE_COMMANDS: { readonly [T in PlaneCommand["t"]]: true } = { "rtc-send": true, "rtc-send-text": true, "rtc-close": true };
const PLANE_REPORTS: { readonly [T in PlaneReport["t"]]: true } = {
  "rtc-channel-open": true,
  "rtc-channel-closed": true,
  "rtc-received": true,
  "rtc-received-text": true,
  "rtc-drained": true,
  "rtc-failed": true,
};

/** @internal */
export function isPlaneCommand(frame: { readonly t: string }): frame is PlaneCommand {
  return Object.hasOwn(PLANE_COMMANDS, frame.t);
}

/** @internal */
export function isPlaneReport(frame: { readonly t: string }): frame is PlaneReport {
  return Object.hasOwn(PLANE_REPORTS, frame.t);
}

/**
 * @internal The page to its channel worker: its plane port (first), a channel to adopt (posted in
 * the task that created it), and `rtc-close`: the page closed that channel's RTCPeerConnection.
 */
export type ToChannelWorker =
  | { readonly t: "plane"; readonly port: MessagePort }
  | { readonly t: "adopt"; readonly ref: ConnRef; readonly channel: RTCDataChannel }
  | Extract<RtcCommand, { t: "rtc-close" }>;

/**
 * @internal The channel worker to its page: `ready` once it listens; `rtc-close`: the hub closed
 * that link and its channel is closed, so the page closes the RTCPeerConnection; `warn`: a log line.
 */
export type FromChannelWorker =
  { readonly t: "ready" } | Extract<RtcCommand, { t: "rtc-close" }> | { readonly t: "warn"; readonly args: readonly unknown[] };
