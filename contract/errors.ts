import { errorText } from "./error-text.js";

/** Every `PeerError.type` of peerjs 1.5.5: Peer-level first, then connection-level. */
export type PeerErrorType =
  | "browser-incompatible"
  | "disconnected"
  | "invalid-id"
  | "invalid-key"
  | "network"
  | "peer-unavailable"
  | "ssl-unavailable"
  | "server-error"
  | "socket-error"
  | "socket-closed"
  | "unavailable-id"
  | "webrtc"
  | "negotiation-failed"
  | "connection-closed"
  | "not-open-yet"
  | "message-too-big";

/** @internal An error as it crosses the worker boundary (structured clone drops Error subclasses). */
export interface WireError {
  readonly type: PeerErrorType;
  readonly message: string;
  readonly cause?: string;
}

/** @internal */
export function wireError(type: PeerErrorType, message: string, cause?: unknown): WireError {
  if (cause === undefined) return { type, message };
  return { type, message, cause: errorText(cause, true) };
}
