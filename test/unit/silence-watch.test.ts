/** Heartbeat bookkeeping (contract/liveness.ts): silence adds up per check, capped per step. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { MAX_STEP_MS, SilenceWatch } from "../../contract/liveness.js";

let clock = 0;
const now = () => clock;

beforeEach(() => {
  vi.useFakeTimers();
  clock = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock and the timers together, `step` ms at a time. */
async function pass(ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock += step;
    await vi.advanceTimersByTimeAsync(step);
  }
}

test("silent for the limit: onSilent once, at the first check past it, and the watch stops", async () => {
  const onSilent = vi.fn();
  const ticks = vi.fn();
  new SilenceWatch({ every: 250, limit: 1500, onSilent, onTick: ticks, now });
  await pass(1250);
  expect(onSilent).not.toHaveBeenCalled();
  await pass(250);
  expect(onSilent).toHaveBeenCalledTimes(1);
  await pass(5000);
  expect(onSilent).toHaveBeenCalledTimes(1);
  expect(ticks).toHaveBeenCalledTimes(6);
});

test("every frame heard starts the count again: a side that keeps talking is never silent", async () => {
  const onSilent = vi.fn();
  const watch = new SilenceWatch({ every: 250, limit: 1500, onSilent, now });
  for (let i = 0; i < 20; i++) {
    await pass(500);
    watch.heard();
  }
  expect(onSilent).not.toHaveBeenCalled();
  expect(watch.silence).toBe(0);
  await pass(1500);
  expect(onSilent).toHaveBeenCalledTimes(1);
});

test("a gap longer than MAX_STEP_MS between checks (our own thread blocked) counts as MAX_STEP_MS", async () => {
  const onSilent = vi.fn();
  const watch = new SilenceWatch({ every: 250, limit: 1500, onSilent, now });
  clock += 10_000; // blocked for 10 s: the other side's frames wait in our queue
  await vi.advanceTimersByTimeAsync(250);
  expect(watch.silence).toBe(MAX_STEP_MS);
  expect(onSilent).not.toHaveBeenCalled();
  watch.heard(); // the queued frames arrive
  await pass(1000);
  expect(onSilent).not.toHaveBeenCalled();
});

test("stop() ends the checks: no onSilent after it", async () => {
  const onSilent = vi.fn();
  const watch = new SilenceWatch({ every: 250, limit: 1500, onSilent, now });
  watch.stop();
  await pass(5000);
  expect(onSilent).not.toHaveBeenCalled();
  expect(vi.getTimerCount()).toBe(0);
});
