/**
 * The sender's side of sequence numbers (`resume`, protocol.md §5.3): every message handed to the
 * channel, kept until the remote acknowledges it, so that a resumed connection re-sends exactly
 * what the remote has not delivered. Holds references to the encoded bytes, no copies.
 */
export interface Replayable {
  readonly seq: number;
  /** The encoded message; what the buffer counts against its bound. */
  readonly size: number;
}

export class ReplayBuffer<T extends Replayable> {
  private readonly kept: T[] = [];
  private held = 0;

  /** `max`: bytes it may hold (`limits.maxPendingBytes`). */
  constructor(private readonly max: number) {}

  get bytes(): number {
    return this.held;
  }

  /** Keeps `item` (its seq above every kept one); false when that would hold more than `max` bytes. */
  keep(item: T): boolean {
    this.kept.push(item);
    this.held += item.size;
    return this.held <= this.max;
  }

  /** The remote delivered everything up to `delivered`: those are dropped. */
  acked(delivered: number): void {
    let drop = 0;
    while (drop < this.kept.length && (this.kept[drop] as T).seq <= delivered) this.held -= (this.kept[drop++] as T).size;
    if (drop > 0) this.kept.splice(0, drop);
  }

  /** What is still unacknowledged, oldest first: what a resumed channel sends again. */
  pending(): readonly T[] {
    return this.kept;
  }

  clear(): void {
    this.kept.length = 0;
    this.held = 0;
  }
}
