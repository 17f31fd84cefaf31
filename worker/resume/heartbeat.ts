/**
 * The heartbeat of a connection that resumes (protocol.md §5.3): a side that sent nothing for
 * PING_AFTER_MS sends a ping, so a remote that says nothing for SILENT_AFTER_MS is gone (crashed,
 * its browser killed, its network lost), noticed in under 3 s instead of ICE's 15 s or more
 * (README, "Limits and failure behaviour").
 */
import type { Clock, Timer } from "../platform.js";

export const PING_AFTER_MS = 1000;
export const SILENT_AFTER_MS = 2500;
const TICK_MS = 250;

export interface HeartbeatOwner {
  readonly clock: Clock;
  /** A number that changes whenever we send something on the channel. */
  sent(): number;
  /** A number that changes whenever the remote's data (not its heartbeat) arrives. */
  receiving(): number;
  ping(): void;
  /** Nothing came from the remote for SILENT_AFTER_MS. */
  silent(): void;
}

export class Heartbeat {
  private timer: Timer | undefined;
  private heardAt = 0;
  private sentAt = 0;
  private lastSent = -1;
  private lastReceiving = -1;
  private receivingAt = 0;
  private tickAt = 0;

  constructor(private readonly owner: HeartbeatOwner) {}

  /** From now on (again, on a new channel): the remote counts as just heard. */
  start(): void {
    const { clock } = this.owner;
    this.heardAt = this.sentAt = this.tickAt = clock.now();
    this.timer ??= clock.setInterval(() => this.tick(), TICK_MS);
  }

  /** Something arrived from the remote, or our channel drained (its transport acknowledged what we sent). */
  heard(): void {
    this.heardAt = this.owner.clock.now();
  }

  stop(): void {
    this.owner.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.owner.clock.now();
    // This thread itself was too busy to tick: what the remote sent may be waiting behind that work, unread.
    if (now - this.tickAt > 2 * TICK_MS) this.heardAt = Math.max(this.heardAt, now - TICK_MS);
    this.tickAt = now;
    if (now - this.heardAt >= SILENT_AFTER_MS) return this.owner.silent();
    const sent = this.owner.sent();
    const receiving = this.owner.receiving();
    if (receiving !== this.lastReceiving) {
      this.lastReceiving = receiving;
      this.receivingAt = now;
    }
    if (sent !== this.lastSent) {
      this.lastSent = sent;
      this.sentAt = now;
    } else if (now - this.sentAt >= PING_AFTER_MS && now - this.receivingAt >= PING_AFTER_MS) {
      // While the remote sends us data it hears of us by its channel draining: a ping then is not
      // needed, and one in the middle of a large inbound message stalled Chromium's channel in tests.
      this.owner.ping();
      this.sentAt = now;
    }
  }
}
