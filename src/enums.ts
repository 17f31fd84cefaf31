/**
 * The enums peerjs 1.5.5 exports, with its member names and values, so that code written against
 * peerjs compares with them unchanged. https://github.com/peers/peerjs/blob/v1.5.5/lib/enums.ts
 */

/**
 * What a connection carries: `conn.type`.
 *
 * @example
 * if (conn.type === ConnectionType.Data) conn.send("hi");
 */
export enum ConnectionType {
  Data = "data",
  Media = "media",
}

/**
 * The `type` of a Peer's `error` events.
 *
 * @example
 * peer.on("error", (err) => {
 *   if (err.type === PeerErrorType.PeerUnavailable) console.log("nobody there");
 * });
 */
export enum PeerErrorType {
  /** The browser lacks WebRTC features in use (sharedpeer: also a worker of another version). */
  BrowserIncompatible = "browser-incompatible",
  /** connect() or call() after disconnect(). */
  Disconnected = "disconnected",
  /** The id given to the Peer is not valid. */
  InvalidID = "invalid-id",
  /** The server refused the API key. */
  InvalidKey = "invalid-key",
  /** Lost the signalling server. */
  Network = "network",
  /** The remote peer does not exist. */
  PeerUnavailable = "peer-unavailable",
  /** Secure use of a server without TLS. */
  SslUnavailable = "ssl-unavailable",
  /** The server could not be reached, or answered with an error. */
  ServerError = "server-error",
  /** An error of the underlying socket (sharedpeer: also a value that cannot be sent). */
  SocketError = "socket-error",
  /** The underlying socket closed unexpectedly. */
  SocketClosed = "socket-closed",
  /** The id is taken. */
  UnavailableID = "unavailable-id",
  /** A native WebRTC error. */
  WebRTC = "webrtc",
}

/**
 * `error` types of every connection.
 *
 * @example
 * conn.on("error", (err) => err.type === BaseConnectionErrorType.NegotiationFailed && retry());
 */
export enum BaseConnectionErrorType {
  NegotiationFailed = "negotiation-failed",
  ConnectionClosed = "connection-closed",
}

/**
 * `error` types of data connections (`MessageToBig` is peerjs's spelling).
 *
 * @example
 * conn.on("error", (err) => err.type === DataConnectionErrorType.NotOpenYet && waitForOpen());
 */
export enum DataConnectionErrorType {
  NotOpenYet = "not-open-yet",
  MessageToBig = "message-too-big",
}

/**
 * The serializations of `connect()` (MsgPack is not in peerjs's enum either: pass `"MsgPack"`).
 *
 * @example
 * peer.connect("bob", { serialization: SerializationType.JSON });
 */
export enum SerializationType {
  Binary = "binary",
  BinaryUTF8 = "binary-utf8",
  JSON = "json",
  None = "raw",
}

/**
 * Event names of peerjs's signalling socket (sharedpeer's socket lives in the worker; kept for code that names them).
 *
 * @example
 * const names: string[] = Object.values(SocketEventType);
 */
export enum SocketEventType {
  Message = "message",
  Disconnected = "disconnected",
  Error = "error",
  Close = "close",
}

/**
 * The frame types of the PeerServer protocol.
 *
 * @example
 * const isOffer = (frame: { type: string }) => frame.type === ServerMessageType.Offer;
 */
export enum ServerMessageType {
  Heartbeat = "HEARTBEAT",
  Candidate = "CANDIDATE",
  Offer = "OFFER",
  Answer = "ANSWER",
  Open = "OPEN",
  Error = "ERROR",
  IdTaken = "ID-TAKEN",
  InvalidKey = "INVALID-KEY",
  Leave = "LEAVE",
  Expire = "EXPIRE",
}
