/** One try at something that answers: its answer, and how to let it go if another try wins. */
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
 * The first answer of staggered tries (a hedged request): `start()` now, again every `every` ms
 * while none has answered, up to `most`. The first try to settle decides; every other is dropped.
 * Why: a `new SharedWorker` can land on a worker that died and never answer (src/worker-link.ts).
 *
 * @example
 * const hello = await firstAnswer(() => helloFrom(new SharedWorker(url)), { every: 400, most: 3, timeout: 5000, what: "the worker" });
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
