/**
 * peerjs's in-band control frames on a data channel, marked by a `__peerData` key (peerjs 1.5.5
 * `dataconnection/BufferedConnection/BinaryPack.ts` and `DataConnection.ts`): a chunk of a message
 * larger than one channel message, or the close that `close({ flush: true })` sends behind the data.
 */
export type PeerDataFrame = PeerDataChunk | PeerDataClose;

/** Piece `n` of `total` of message `__peerData`, keys in this order on the wire. */
export interface PeerDataChunk {
  readonly __peerData: number;
  readonly n: number;
  readonly data: Uint8Array;
  readonly total: number;
}

export interface PeerDataClose {
  readonly __peerData: { readonly type: "close" };
}

export const PEER_DATA_CLOSE: PeerDataClose = { __peerData: { type: "close" } };

/**
 * The control frame `value` is, undefined when it is plain data (no `__peerData`, or a falsy one,
 * as peerjs reads it), or "malformed" when it claims to be one and is neither.
 */
export function readPeerData(value: unknown): PeerDataFrame | "malformed" | undefined {
  if (typeof value !== "object" || value === null || !("__peerData" in value) || !value.__peerData) return undefined;
  const control: unknown = value.__peerData;
  if (typeof control === "object" && control !== null && "type" in control && control.type === "close") return PEER_DATA_CLOSE;
  const { n, total, data } = value as Partial<Record<"n" | "total" | "data", unknown>>;
  if (!isIndex(control) || !isIndex(n) || !isIndex(total) || !(data instanceof Uint8Array)) return "malformed";
  return { __peerData: control, n, data, total };
}

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
