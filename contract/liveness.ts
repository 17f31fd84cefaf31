/**
 * How a tab and its worker learn that the other is gone (architecture: flows 6 and 7). Web Locks
 * where they exist: each side holds a lock for its lifetime and the other queues on it, so the grant
 * is the death notice. Web Locks exist only in secure contexts; elsewhere the worker pings each tab on
 * its port and both sides time out on silence. Used by both sides, so it lives beside the contract.
 */

/** The worker pings a heartbeat tab this often; the tab answers each ping. */
export const PING_EVERY_MS = 500;
/** A tab counts its worker as lost after this much silence (any frame counts as a sign of life). */
export const WORKER_SILENCE_MS = 1250;
/** How often a tab checks the silence: detection takes at most WORKER_SILENCE_MS + this. */
export const WORKER_CHECK_MS = 250;
/** The worker counts a heartbeat tab as gone after this much silence (`pagehide` says so sooner). */
export const TAB_SILENCE_MS = 3000;
/**
 * The longest gap between two checks that counts fully as silence. Hidden tabs run timers once a
 * second; a longer gap means this side's own thread was blocked, so the other side was not heard
 * because we were not listening, and only this much of it counts.
 */
export const MAX_STEP_MS = 1000;

type Locks = Pick<LockManager, "request">;

function lockManager(): Locks | undefined {
  return typeof navigator === "undefined" ? undefined : (navigator as Navigator & { locks?: Locks }).locks;
}

/**
 * Takes the lock `name` and holds it for as long as this context lives. Resolves with the name once
 * granted, or null where there are no Web Locks.
 *
 * @example
 * const lock = await holdLock(`sharedpeer:${tabId}`); // the hub queues on it
 */
export function holdLock(name: string): Promise<string | null> {
  const locks = lockManager();
  if (!locks) return Promise.resolve(null);
  return new Promise((granted) => {
    locks
      .request(name, () => {
        granted(name);
        return new Promise<never>(() => {});
      })
      .catch(() => granted(null));
  });
}

/**
 * Calls `onGone` once the holder of lock `name` is gone: our queued request is granted then. The
 * lock is released again at once. False where there are no Web Locks (watch the heartbeat instead).
 *
 * @example
 * if (!watchLock(hello.lock, () => lose())) startHeartbeat();
 */
export function watchLock(name: string, onGone: () => void): boolean {
  const locks = lockManager();
  if (!locks) return false;
  locks.request(name, () => onGone()).catch(() => onGone());
  return true;
}

export interface SilenceOptions {
  /** Check (and, for the worker, ping) this often. */
  readonly every: number;
  /** Silence, in ms, after which the other side counts as gone. */
  readonly limit: number;
  readonly onSilent: () => void;
  /** Runs at every check, before the silence is judged (the worker pings here). */
  readonly onTick?: () => void;
  readonly now?: () => number;
}

/**
 * Heartbeat bookkeeping for one side: `heard()` on every frame from the other side; a timer adds up
 * the silence since, each step counted up to MAX_STEP_MS, and calls `onSilent` once it passes `limit`.
 *
 * @example
 * const watch = new SilenceWatch({ every: 250, limit: 1500, onSilent: () => lost() });
 * port.onmessage = () => watch.heard();
 */
export class SilenceWatch {
  private silent = 0;
  private last: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly now: () => number;

  constructor(private readonly options: SilenceOptions) {
    this.now = options.now ?? (() => performance.now());
    this.last = this.now();
    this.timer = setInterval(() => this.check(), options.every);
  }

  /** Milliseconds of silence counted so far. */
  get silence(): number {
    return this.silent;
  }

  heard(): void {
    this.silent = 0;
    this.last = this.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const now = this.now();
    this.silent += Math.min(now - this.last, MAX_STEP_MS);
    this.last = now;
    this.options.onTick?.();
    if (this.silent < this.options.limit) return;
    this.stop();
    this.options.onSilent();
  }
}
