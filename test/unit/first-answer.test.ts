/** Hedged tries: the first answer wins, the others are dropped, and the whole is bounded. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { firstAnswer, type Attempt } from "../../src/first-answer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Tries whose answers the test gives by hand; `dropped` lists the indexes let go. */
function tries<T>() {
  const made: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  const dropped: number[] = [];
  const start = (): Attempt<T> => {
    const index = made.length;
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const answer = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    made.push({ resolve, reject });
    return { answer, drop: () => dropped.push(index) };
  };
  return { made, dropped, start };
}

const options = { every: 400, most: 3, timeout: 5000, what: "the worker" };

test("an answer before the hedge time: one try, nothing dropped", async () => {
  const t = tries<string>();
  const result = firstAnswer(t.start, options);
  t.made[0]!.resolve("first");
  await expect(result).resolves.toBe("first");
  await vi.advanceTimersByTimeAsync(2000);
  expect(t.made).toHaveLength(1);
  expect(t.dropped).toEqual([]);
});

test("a silent first try gets company every 400 ms, up to three; the first to answer wins and the others are dropped", async () => {
  const t = tries<string>();
  const result = firstAnswer(t.start, options);
  await vi.advanceTimersByTimeAsync(399);
  expect(t.made).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(t.made).toHaveLength(2);
  await vi.advanceTimersByTimeAsync(2000);
  expect(t.made).toHaveLength(3);
  t.made[1]!.resolve("second");
  t.made[2]!.resolve("third");
  await expect(result).resolves.toBe("second");
  expect(t.dropped.sort()).toEqual([0, 2]);
});

test("no answer at all: every try is dropped and the wait ends with an error naming what was silent", async () => {
  const t = tries<string>();
  const result = firstAnswer(t.start, options);
  const settled = expect(result).rejects.toThrow("the worker did not answer within 5000 ms");
  await vi.advanceTimersByTimeAsync(5000);
  await settled;
  expect(t.dropped.sort()).toEqual([0, 1, 2]);
});

test("a try that fails decides too: its error, every try dropped", async () => {
  const t = tries<string>();
  const result = firstAnswer(t.start, options);
  await vi.advanceTimersByTimeAsync(400);
  t.made[0]!.reject(new Error("the worker script failed to load"));
  await expect(result).rejects.toThrow("failed to load");
  expect(t.dropped.sort()).toEqual([0, 1]);
});

test("a start that throws is a failed try, not a thrown call", async () => {
  const result = firstAnswer(
    () => {
      throw new Error("no SharedWorker in this browser");
    },
    { ...options, most: 1 },
  );
  await expect(result).rejects.toThrow("no SharedWorker");
});
