/**
 * Which SharedWorker name a user's tabs share. After a worker dies its tabs move to the next
 * generation's name instead of asking for the old one again: Firefox can keep handing a
 * `new SharedWorker(url, name)` to the dead worker for that name for good (probed: 15 s and more,
 * every tab), while any other name starts at once (README, "Engine differences"). Every tab on the
 * dead worker knows its generation, so all of them pick the same next one without talking; the
 * number is kept in localStorage so that tabs opened later join it, and a tab on an older generation
 * hears of a newer one through the `storage` event.
 */

/** The part of `Storage` used here (tests pass a Map-backed one). */
export type GenerationStore = Pick<Storage, "getItem" | "setItem">;

/** The SharedWorker name of generation `n` (0 keeps the name of earlier releases). */
export function workerName(n: number): string {
  return n === 0 ? "sharedpeer" : `sharedpeer-${n}`;
}

/** Generations of one worker URL (`key`), shared through `store` where there is one. */
export class WorkerGenerations {
  /** The highest seen by this tab: the store can be missing, or refuse writes. */
  private known = 0;

  constructor(
    private readonly key: string,
    private readonly store: GenerationStore | undefined = pageStorage(),
  ) {}

  /** The generation a tab joins now. */
  current(): number {
    this.known = Math.max(this.known, parse(this.read()));
    return this.known;
  }

  /** The worker of generation `lost` died: the one to move to, recorded for every tab. */
  advance(lost: number): number {
    const next = Math.max(lost + 1, this.current());
    this.known = next;
    try {
      this.store?.setItem(this.key, String(next));
    } catch {
      // Storage full or refused: tabs on the lost worker still agree; later tabs start from 0.
    }
    return next;
  }

  /** Calls `newer` when another tab records a generation above `than`. Returns the unsubscribe. */
  watch(than: number, newer: () => void): () => void {
    if (typeof addEventListener === "undefined") return () => {};
    const onStorage = (event: StorageEvent) => {
      if (event.key === this.key && parse(event.newValue) > than) newer();
    };
    addEventListener("storage", onStorage);
    return () => removeEventListener("storage", onStorage);
  }

  private read(): string | null {
    try {
      return this.store?.getItem(this.key) ?? null;
    } catch {
      return null;
    }
  }
}

function parse(value: string | null): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** localStorage, if this context has one and may use it (it throws where storage is blocked). */
function pageStorage(): GenerationStore | undefined {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
