/** The hub's watch on a tab where there are no Web Locks (Node has none): pings, and silence means gone. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { PING_EVERY_MS, TAB_SILENCE_MS } from "../../contract/liveness.js";
import { watchTab } from "../../worker/liveness.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

test("without Web Locks the tab is pinged every PING_EVERY_MS and counted gone after TAB_SILENCE_MS of silence", async () => {
  expect((globalThis.navigator as { locks?: unknown } | undefined)?.locks).toBeUndefined();
  const ping = vi.fn();
  const gone = vi.fn();
  watchTab("sharedpeer:tab_x", ping, gone);
  await vi.advanceTimersByTimeAsync(TAB_SILENCE_MS - PING_EVERY_MS);
  expect(ping).toHaveBeenCalledTimes(TAB_SILENCE_MS / PING_EVERY_MS - 1);
  expect(gone).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(PING_EVERY_MS);
  expect(gone).toHaveBeenCalledTimes(1);
  await vi.advanceTimersByTimeAsync(10 * TAB_SILENCE_MS);
  expect(gone).toHaveBeenCalledTimes(1);
  expect(ping).toHaveBeenCalledTimes(TAB_SILENCE_MS / PING_EVERY_MS);
});

test("a tab that answers is never counted gone; once stopped, nothing more happens", async () => {
  const ping = vi.fn();
  const gone = vi.fn();
  const watch = watchTab(null, ping, gone);
  ping.mockImplementation(() => watch.heard());
  await vi.advanceTimersByTimeAsync(20 * TAB_SILENCE_MS);
  expect(gone).not.toHaveBeenCalled();
  watch.stop();
  const pings = ping.mock.calls.length;
  await vi.advanceTimersByTimeAsync(20 * TAB_SILENCE_MS);
  expect(ping).toHaveBeenCalledTimes(pings);
  expect(gone).not.toHaveBeenCalled();
});
