/**
 * sharedpeer: the peerjs 1.5.5 API, with one peer id shared by every tab of an origin.
 *
 * @example
 * import { Peer } from "sharedpeer";
 * const peer = new Peer("alice");
 * peer.on("connection", (conn) => conn.on("data", console.log));
 */
export { Peer, type PeerEvents } from "./peer.js";
export { DataConnection, type DataConnectionEvents } from "./data-connection.js";
export { MediaConnection, type MediaConnectionEvents, type CallOptions } from "./media-connection.js";
export { PeerError, type PeerErrorType } from "./peer-error.js";
export { hubStats } from "./hub-stats.js";
export type { PeerOptions, ConnectOptions, WorkerModeOption } from "./options.js";
export type { LogFunction } from "./logger.js";
export type { SerializationName, LogLevel, ReceiveLimits } from "../contract/options.js";
export type { WorkerMode, HubStats } from "../contract/worker-api.js";
export type { TransferProgress } from "../contract/tab-frames.js";
export { Peer as default } from "./peer.js";
