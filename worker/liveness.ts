import { PING_EVERY_MS, SilenceWatch, TAB_SILENCE_MS, watchLock } from "../contract/liveness.js";

/** The hub's watch on one tab: `heard()` on every batch from it, `stop()` once it is gone. */
export interface TabWatch {
  heard(): void;
  stop(): void;
}

/** For the inline hub: the tab is the page the hub runs in, so there is nothing to watch. */
export const NO_WATCH: TabWatch = { heard: () => {}, stop: () => {} };

/**
 * Calls `onGone` once the tab is gone: through the Web Lock it holds where there are Web Locks, else
 * by a heartbeat (`ping` every PING_EVERY_MS, gone after TAB_SILENCE_MS without a frame from it).
 *
 * @example
 * tab.watch = watchTab(lock, () => tab.post({ t: "ping" }), () => hub.tabGone(tab.id));
 */
export function watchTab(lock: string | null, ping: () => void, onGone: () => void): TabWatch {
  if (lock !== null && watchLock(lock, onGone)) return NO_WATCH;
  const watch = new SilenceWatch({ every: PING_EVERY_MS, limit: TAB_SILENCE_MS, onTick: ping, onSilent: onGone });
  return { heard: () => watch.heard(), stop: () => watch.stop() };
}
