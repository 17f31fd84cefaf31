import type { ConnRef, MemberId } from "../contract/ids.js";
import type { Member } from "./member.js";

/**
 * What `conn.bufferSize` shows in each tab: the messages queued in the worker for a connection, and
 * how many of a member's send requests the worker has taken (the tab adds those still on their way).
 * Reported at most once per turn, and only to members whose view changed.
 */
export class BufferReport {
  private readonly taken = new Map<MemberId, number>();
  private readonly reported = new Map<MemberId, string>();
  private due = false;

  constructor(
    private readonly ref: ConnRef,
    private readonly queued: () => number,
    private readonly members: () => readonly Member[],
  ) {}

  /** A send request of `member` reached the worker (queued or refused). */
  took(member: MemberId): void {
    this.taken.set(member, (this.taken.get(member) ?? 0) + 1);
    this.soon();
  }

  forget(member: MemberId): void {
    this.taken.delete(member);
    this.reported.delete(member);
  }

  soon(): void {
    if (this.due) return;
    this.due = true;
    queueMicrotask(() => this.post());
  }

  private post(): void {
    this.due = false;
    const queued = this.queued();
    for (const member of this.members()) {
      const taken = this.taken.get(member.id) ?? 0;
      const view = `${queued}/${taken}`;
      if (this.reported.get(member.id) === view) continue;
      this.reported.set(member.id, view);
      member.post({ t: "conn-buffer", member: member.id, ref: this.ref, queued, taken });
    }
  }
}
