import type { Clock, Timer } from "../../../worker/platform.js";

interface Pending {
  at: number;
  readonly run: () => void;
  /** Set for intervals: the period after which it falls due again. */
  readonly every: number | undefined;
}

/**
 * A clock that moves only when a test says so, so that backoff and timeouts are exact and instant.
 *
 * @example
 * const clock = new FakeClock();
 * clock.setTimeout(() => (fired = true), 500);
 * clock.advance(500); // fired
 */
export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): Timer {
    return this.add(run, ms, undefined);
  }

  clearTimeout(timer: Timer | undefined): void {
    if (typeof timer === "number") this.timers.delete(timer);
  }

  setInterval(run: () => void, ms: number): Timer {
    return this.add(run, ms, Math.max(1, ms));
  }

  clearInterval(timer: Timer | undefined): void {
    this.clearTimeout(timer);
  }

  /** Milliseconds until each pending one-shot timer falls due, soonest first. */
  pendingTimeouts(): number[] {
    return [...this.timers.values()]
      .filter((t) => t.every === undefined)
      .map((t) => t.at - this.time)
      .sort((a, b) => a - b);
  }

  /** Moves time on by `ms`, running every timer that falls due on the way, in due order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: Pending | undefined;
      for (const [id, timer] of this.timers) if (timer.at <= end && (!next || timer.at < next.at)) [nextId, next] = [id, timer];
      if (next === undefined || nextId === undefined) break;
      this.time = next.at;
      if (next.every === undefined) this.timers.delete(nextId);
      else next.at += next.every;
      next.run();
    }
    this.time = end;
  }

  private add(run: () => void, ms: number, every: number | undefined): Timer {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), run, every });
    return id;
  }
}
