/**
 * The receiver's side of sequence numbers (`resume`, protocol.md §5.3): which messages of the
 * remote were delivered, so that what it re-sends after a resume is delivered once. On an ordered
 * channel messages come in order and `above` stays empty; on an unordered one (peerjs's default,
 * `reliable: false`) it holds what overtook a gap until the gap fills.
 */
export class DeliveryLog {
  /** Every message up to this number was delivered: what the acknowledgement says. */
  private mark = 0;
  private readonly above = new Set<number>();

  get delivered(): number {
    return this.mark;
  }

  /** Whether message `seq` still has to be delivered. */
  fresh(seq: number): boolean {
    return seq > this.mark && !this.above.has(seq);
  }

  /** Message `seq` was delivered. */
  record(seq: number): void {
    if (seq !== this.mark + 1) {
      if (seq > this.mark) this.above.add(seq);
      return;
    }
    this.mark = seq;
    while (this.above.delete(this.mark + 1)) this.mark++;
  }
}
