/** Puts chunked messages back together (protocol.md §3.2), bounded against hostile senders. */
import { DEFAULT_REASSEMBLY_LIMITS, type ReassemblyLimits } from "./limits.js";

export { DEFAULT_REASSEMBLY_LIMITS, reassemblyLimits, type ReassemblyLimits } from "./limits.js";

export interface Chunk {
  readonly messageId: number;
  readonly n: number;
  readonly total: number;
  readonly data: Uint8Array;
}

export class ReassemblyError extends Error {
  override readonly name = "ReassemblyError";
}

interface Pending {
  readonly total: number;
  readonly parts: Map<number, Uint8Array>;
  bytes: number;
  lastChunkAt: number;
}

export class Reassembler {
  private readonly pending = new Map<number, Pending>();
  private pendingBytes = 0;
  private pendingParts = 0;

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {}

  /** Returns the whole message when `chunk` completes it; throws ReassemblyError on a bad chunk. */
  add(chunk: Chunk, now: number): Uint8Array | undefined {
    const { messageId, n, total, data } = chunk;
    // peerjs never sends an empty chunk; allowing them would let a peer hold entries for free.
    if (data.byteLength === 0) throw new ReassemblyError(`chunk ${n} of message ${messageId} is empty`);
    let entry = this.pending.get(messageId);
    if (!entry) {
      const maxChunks = this.limits.maxChunks ?? this.limits.maxMessageBytes;
      if (total < 1 || total > maxChunks) {
        throw new ReassemblyError(`chunk total ${total} is out of range (1 to ${maxChunks})`);
      }
      entry = { total, parts: new Map(), bytes: 0, lastChunkAt: now };
      this.pending.set(messageId, entry);
    }
    if (total !== entry.total) this.fail(messageId, `chunk total changed from ${entry.total} to ${total}`);
    if (n >= total) this.fail(messageId, `chunk index ${n} is not below its total ${total}`);
    if (entry.parts.has(n)) this.fail(messageId, `chunk ${n} of message ${messageId} arrived twice`);
    if (entry.bytes + data.byteLength > this.limits.maxMessageBytes) {
      this.fail(messageId, `message ${messageId} grows beyond ${this.limits.maxMessageBytes} bytes`);
    }
    if (this.pendingParts + 1 > (this.limits.maxPendingChunks ?? Infinity)) {
      this.fail(messageId, `unfinished messages hold more than ${this.limits.maxPendingChunks} chunks`);
    }
    if (this.pendingBytes + data.byteLength > this.limits.maxPendingBytes) {
      this.fail(messageId, `unfinished messages hold more than ${this.limits.maxPendingBytes} bytes`);
    }
    entry.parts.set(n, data);
    entry.bytes += data.byteLength;
    entry.lastChunkAt = now;
    this.pendingBytes += data.byteLength;
    this.pendingParts++;
    if (entry.parts.size < total) return undefined;
    this.drop(messageId);
    return concat(entry);
  }

  /** Drops messages idle past the limit; returns their ids so the caller can report them. */
  expire(now: number): number[] {
    const expired: number[] = [];
    for (const [id, entry] of this.pending) {
      if (now - entry.lastChunkAt >= this.limits.idleTimeout) {
        expired.push(id);
        this.drop(id);
      }
    }
    return expired;
  }

  /** Chunks and bytes received so far of an unfinished message. */
  progressOf(messageId: number): { chunks: number; bytes: number; total: number } | undefined {
    const entry = this.pending.get(messageId);
    return entry && { chunks: entry.parts.size, bytes: entry.bytes, total: entry.total };
  }

  get size(): number {
    return this.pending.size;
  }

  get bytes(): number {
    return this.pendingBytes;
  }

  clear(): void {
    this.pending.clear();
    this.pendingBytes = 0;
    this.pendingParts = 0;
  }

  private fail(messageId: number, reason: string): never {
    this.drop(messageId);
    throw new ReassemblyError(reason);
  }

  private drop(messageId: number): void {
    const entry = this.pending.get(messageId);
    if (!entry) return;
    this.pendingBytes -= entry.bytes;
    this.pendingParts -= entry.parts.size;
    this.pending.delete(messageId);
  }
}

function concat(entry: Pending): Uint8Array {
  const out = new Uint8Array(entry.bytes);
  let at = 0;
  for (let n = 0; n < entry.total; n++) {
    const part = entry.parts.get(n) as Uint8Array;
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
