/** One try: its answer, and how to let it go if another wins. */
export interface Attempt<T> {
  readonly answer: Promise<T>;
  drop(): void;
}

export interface HedgeOptions {
  /** Another try starts after this long without an answer. */
  readonly every: number;
  /** Tries at most (1: no hedging). */
  readonly most: number;
  /** All tries are given up after this long. */
  readonly timeout: number;
  /** Names what did not answer, in the timeout's message. */
  readonly what: string;
}

/**
 * Hedged tries: `start()` now and every `every` ms without an answer, up to `most`; the first to
 * settle decides, the others are dropped (why: src/worker-link.ts, HELLO_HEDGE_MS).
 */
export function firstAnswer<T>(start: () => Attempt<T>, { every, most, timeout, what }: HedgeOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const tries: Array<Attempt<T>> = [];
    let done = false;
    const finish = (winner: Attempt<T> | undefined, settle: () => void) => {
      if (done) return;
      done = true;
      clearInterval(hedge);
      clearTimeout(limit);
      for (const t of tries) if (t !== winner) t.drop();
      settle();
    };
    const launch = () => {
      let attempt: Attempt<T>;
      try {
        attempt = start();
      } catch (error) {
        attempt = { answer: Promise.reject(error instanceof Error ? error : new Error(String(error))), drop: () => {} };
      }
      tries.push(attempt);
      attempt.answer.then(
        (value) => finish(attempt, () => resolve(value)),
        (error: unknown) => finish(undefined, () => reject(error instanceof Error ? error : new Error(String(error)))),
      );
      if (tries.length >= most) clearInterval(hedge);
    };
    const hedge = setInterval(launch, every);
    const limit = setTimeout(() => finish(undefined, () => reject(new Error(`${what} did not answer within ${timeout} ms`))), timeout);
    launch();
  });
}
