/**
 * The SharedWorker name a user's tabs share. After a worker dies its tabs move to the next
 * generation's name: Firefox can keep handing that name to the dead worker (README, "Engine
 * differences"). Tabs on the dead worker agree on the next without talking; localStorage tells
 * tabs opened later, and its `storage` event tells a tab left on an older one.
 */

/** The part of `Storage` used here. */
export type GenerationStore = Pick<Storage, "getItem" | "setItem">;

/** Generation 0 keeps the name of earlier releases. */
export function workerName(n: number): string {
  return n === 0 ? "sharedpeer" : `sharedpeer-${n}`;
}

/** Generations of one worker URL (`key`), shared through `store` where there is one. */
export class WorkerGenerations {
  /** The highest this tab saw (the store may be missing or refuse writes). */
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

  /** Generation `lost` died: the one to move to, recorded for every tab. */
  advance(lost: number): number {
    const next = Math.max(lost + 1, this.current());
    this.known = next;
    try {
      this.store?.setItem(this.key, String(next));
    } catch {
      // Refused: tabs on the lost worker still agree; later tabs start lower.
    }
    return next;
  }

  /** `newer()` when another tab records a generation above `than`; returns the unsubscribe. */
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

/** localStorage, unless missing or blocked (then reading it throws). */
function pageStorage(): GenerationStore | undefined {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
