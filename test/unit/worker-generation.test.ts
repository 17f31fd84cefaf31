/** Tabs agree on the worker name after a loss, and later tabs find it (src/worker-generation.ts). */
import { expect, test } from "vitest";
import { workerName, WorkerGenerations, type GenerationStore } from "../../src/worker-generation.js";

function store(): GenerationStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

test("generation 0 keeps the old name; later ones differ from it and from each other", () => {
  expect(workerName(0)).toBe("sharedpeer");
  expect(new Set([0, 1, 2, 3].map(workerName)).size).toBe(4);
});

test("every tab on the lost worker moves to the same next generation, and a tab opened afterwards joins it", () => {
  const shared = store();
  const [a, b] = [new WorkerGenerations("k", shared), new WorkerGenerations("k", shared)];
  expect([a.current(), b.current()]).toEqual([0, 0]);
  expect(a.advance(0)).toBe(1);
  expect(b.advance(0)).toBe(1);
  expect(new WorkerGenerations("k", shared).current()).toBe(1);
  expect(a.advance(1)).toBe(2);
  expect(new WorkerGenerations("k", shared).current()).toBe(2);
});

test("a tab that lost an older worker than the recorded one goes to the recorded one, never back", () => {
  const shared = store();
  shared.setItem("k", "5");
  expect(new WorkerGenerations("k", shared).advance(2)).toBe(5);
});

test("without storage, or with storage that throws or holds junk, tabs still advance by one from what they knew", () => {
  const none = new WorkerGenerations("k", undefined);
  expect(none.current()).toBe(0);
  expect(none.advance(0)).toBe(1);
  expect(none.current()).toBe(1);
  const refusing: GenerationStore = {
    getItem: () => {
      throw new Error("SecurityError");
    },
    setItem: () => {
      throw new Error("QuotaExceededError");
    },
  };
  const blocked = new WorkerGenerations("k", refusing);
  expect(blocked.advance(3)).toBe(4);
  expect(blocked.current()).toBe(4);
  for (const junk of ["-1", "x", "1.5", "1e400"]) {
    const s = store();
    s.setItem("k", junk);
    expect(new WorkerGenerations("k", s).current()).toBe(0);
  }
});

test("each worker URL has its own generations", () => {
  const shared = store();
  new WorkerGenerations("one", shared).advance(0);
  expect(new WorkerGenerations("two", shared).current()).toBe(0);
});
