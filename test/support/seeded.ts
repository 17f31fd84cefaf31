/** Reproducible randomness and byte helpers shared by the tests. */

/** mulberry32: a small seeded PRNG in [0, 1), so that a run can be repeated exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Ids unique to this run: `fresh("alice")` → "alice-k3j2h-1", so tests never collide at the server. */
export function idMaker(): (name: string) => string {
  const run = Math.random().toString(36).slice(2, 7);
  let counter = 0;
  return (name) => `${name}-${run}-${++counter}`;
}
