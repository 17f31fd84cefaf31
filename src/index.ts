/**
 * sharedpeer: the peerjs 1.5.5 API, with one peer id shared by every tab of an origin. Every named
 * export of peerjs 1.5.5 is here with its meaning, plus what sharing adds.
 *
 * @example
 * import { Peer } from "sharedpeer";
 * const peer = new Peer("alice");
 * peer.on("connection", (conn) => conn.on("data", console.log));
 */
export { Peer, type PeerEvents } from "./peer.js";
export { MsgPackPeer } from "./msgpack-peer.js";
export { DataConnection, type DataConnectionEvents } from "./data-connection.js";
export { BufferedConnection, StreamConnection, MsgPack, type SerializerMapping } from "./serializers.js";
export { MediaConnection, type MediaConnectionEvents, type CallOptions } from "./media-connection.js";
export { PeerError } from "./peer-error.js";
export {
  ConnectionType,
  PeerErrorType,
  BaseConnectionErrorType,
  DataConnectionErrorType,
  SerializationType,
  SocketEventType,
  ServerMessageType,
} from "./enums.js";
export { util, type Util, type UtilSupportsObj } from "./util.js";
export { hubStats } from "./hub-stats.js";
export type {
  PeerOptions,
  ConnectOptions,
  WorkerModeOption,
  DataPlane,
  PeerJSOption,
  PeerConnectOption,
  AnswerOption,
  CallOption,
} from "./options.js";
export type { LogFunction } from "./logger.js";
export type { SerializationName, LogLevel, ReceiveLimits } from "../contract/options.js";
export type { WorkerMode, HubStats } from "../contract/worker-api.js";
export type { TransferProgress } from "../contract/tab-frames.js";
export { Peer as default } from "./peer.js";
