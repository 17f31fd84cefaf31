/** Every control call settles: a timeout, and a rejection of everything pending when the link dies. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { BoundedCalls } from "../../src/bounded-calls.js";
import { PeerError } from "../../src/peer-error.js";

interface Api {
  echo(value: number): Promise<number>;
  never(): Promise<void>;
  fails(): Promise<void>;
}

const api: Api = {
  echo: (value) => Promise.resolve(value),
  never: () => new Promise<void>(() => {}),
  fails: () => Promise.reject({ type: "disconnected", message: "not attached" }),
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test("an answered call resolves with the answer, a refused one rejects with the worker's reason", async () => {
  const calls = new BoundedCalls(api, 1000);
  await expect(calls.api.echo(7)).resolves.toBe(7);
  await expect(calls.api.fails()).rejects.toEqual({ type: "disconnected", message: "not attached" });
});

test("a call the worker never answers rejects with a network PeerError once the timeout passes, not before", async () => {
  const calls = new BoundedCalls(api, 1000);
  const outcome = calls.api.never().then(
    () => "resolved",
    (e: unknown) => e,
  );
  await vi.advanceTimersByTimeAsync(999);
  let settled = false;
  void outcome.then(() => (settled = true));
  await Promise.resolve();
  expect(settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  const error = await outcome;
  expect(error).toBeInstanceOf(PeerError);
  expect(error).toMatchObject({ type: "network", message: "The sharedpeer worker did not answer never() within 1000 ms." });
});

test("close() rejects every pending call at once with its error, and every later call", async () => {
  const calls = new BoundedCalls(api, 60_000);
  const pending = [calls.api.never(), calls.api.never(), calls.api.never()].map((p) => p.catch((e: unknown) => e));
  const lost = new PeerError("network", "Lost the worker.");
  calls.close(lost);
  expect(await Promise.all(pending)).toEqual([lost, lost, lost]);
  expect(calls.closed).toBe(lost);
  await expect(calls.api.echo(1)).rejects.toBe(lost);
  // No timer is left behind for the calls that were rejected.
  expect(vi.getTimerCount()).toBe(0);
});

test("an answer that comes after close() is ignored: the call stays rejected", async () => {
  let answer: (value: number) => void = () => {};
  const late: Api = { ...api, echo: () => new Promise((resolve) => (answer = resolve)) };
  const calls = new BoundedCalls(late, 60_000);
  const outcome = calls.api.echo(1).catch((e: unknown) => e);
  await Promise.resolve();
  calls.close(new PeerError("network", "Lost the worker."));
  answer(1);
  expect(await outcome).toBeInstanceOf(PeerError);
});

test("the bounded api is not a thenable (awaiting it calls nothing)", async () => {
  const calls = new BoundedCalls(api, 1000);
  expect(await calls.api).toBe(calls.api);
});
