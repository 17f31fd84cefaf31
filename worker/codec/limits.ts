/**
 * The one table of wire limits, used by the encoder, the decoder and the reassembler alike, so
 * that `send()` refuses (an error on that connection, which stays open) what a sharedpeer
 * receiver would refuse (by closing the connection).
 */
import { DEFAULT_RECEIVE_LIMITS, type ReceiveLimits } from "../../contract/options.js";

export const WIRE_LIMITS = {
  /** peerjs 1.5.5 `util.chunkedMTU`: a packed message above this travels in chunks of this many bytes. */
  chunkSize: 16300,
  /** Deepest array/map nesting of a BinaryPack value: the encoder refuses to write deeper, the decoder to read it. */
  maxDepth: 512,
  /** Chunks a connection may hold beyond what its pending bytes need in full chunks (a message's last chunk is short). */
  spareChunks: 1024,
} as const;

export interface ReassemblyLimits {
  /** Largest message accepted, in bytes, once reassembled. */
  readonly maxMessageBytes: number;
  /** Bytes held in unfinished messages of one connection. */
  readonly maxPendingBytes: number;
  /** An unfinished message that gets no chunk for this long is dropped with an error (ms). */
  readonly idleTimeout: number;
  /**
   * Largest chunk count a message may announce (default: maxMessageBytes, one byte a chunk). A
   * sender that cuts at a known size can be held to the count a largest message needs.
   */
  readonly maxChunks?: number;
  /**
   * Chunks held in unfinished messages of one connection (default: no cap). Bytes alone do not
   * bound memory: a peer sending 1-byte chunks under many message ids would hold millions of entries.
   */
  readonly maxPendingChunks?: number;
}

/**
 * The Peer option `limits`, as the reassembler takes it. peerjs and sharedpeer cut at the chunk
 * size: a larger total announces a message beyond the limit, and since every chunk but a message's
 * last is full, the pending bytes bound the pending chunks too.
 */
export function reassemblyLimits({ maxMessageBytes, maxPendingBytes, chunkTimeout }: ReceiveLimits): ReassemblyLimits {
  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / WIRE_LIMITS.chunkSize));
  return {
    maxMessageBytes,
    maxPendingBytes,
    idleTimeout: chunkTimeout,
    maxChunks: chunks(maxMessageBytes),
    maxPendingChunks: chunks(maxPendingBytes) + WIRE_LIMITS.spareChunks,
  };
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = reassemblyLimits(DEFAULT_RECEIVE_LIMITS);
