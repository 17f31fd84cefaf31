import type { PeerErrorType, WireError } from "../contract/errors.js";

/**
 * Every `PeerError.type` of peerjs 1.5.5.
 *
 * @example
 * const retryable: PeerErrorType[] = ["network", "server-error", "socket-error"];
 */
export type { PeerErrorType };

/**
 * The error of every `error` event, as in peerjs: `type` says what happened, `message` says it
 * in words (never empty), `cause` says why where something deeper failed. As peerjs's, its only
 * own enumerable property is `type`: `JSON.stringify(err)` is `{"type":"…"}`.
 *
 * @example
 * peer.on("error", (err) => {
 *   if (err.type === "unavailable-id") pickAnotherId();
 * });
 */
export class PeerError<T extends string = PeerErrorType> extends Error {
  static {
    // On the prototype, not the instance: apps serialize errors, and peerjs's show `type` only.
    Object.defineProperty(this.prototype, "name", { value: "PeerError", writable: true, configurable: true });
  }
  /** What kind of failure; one of the peerjs 1.5.5 values. */
  type: T;

  constructor(type: T, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
  }

  /** @internal Rebuilds an error that crossed the worker boundary. */
  static fromWire(error: WireError): PeerError<PeerErrorType> {
    return new PeerError(error.type, error.message, error.cause === undefined ? undefined : { cause: error.cause });
  }
}

/** A Comlink call rejected: a WireError thrown by the hub, or a transport failure. */
export function toPeerError(reason: unknown, fallback: PeerErrorType): PeerError {
  if (reason instanceof PeerError) return reason;
  if (isWireError(reason)) return PeerError.fromWire(reason);
  const message = reason instanceof Error ? reason.message : String(reason);
  return new PeerError(fallback, message, { cause: reason });
}

function isWireError(value: unknown): value is WireError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as WireError).type === "string" &&
    typeof (value as WireError).message === "string"
  );
}
