import { watchTab, type TabWatch } from "./liveness.js";

/**
 * What the hub takes from its environment: time, the signalling socket, HTTP, and tab liveness.
 * The worker entry and the inline hub pass `browserPlatform()`; unit tests in Node pass their own
 * (a clock they advance, the `ws` package, a liveness they trigger), so the core runs unchanged there.
 */
export interface Platform {
  readonly clock: Clock;
  /** Opens a WebSocket to `url`; its events arrive through `events`. */
  openSocket(url: string, events: SocketEvents): PlatformSocket;
  readonly fetch: (url: string, init: { readonly referrerPolicy: ReferrerPolicy }) => Promise<Response>;
  /**
   * Calls `onGone` once the tab is gone (closed, crashed, navigated): through the Web Lock `lock` it
   * holds, or (null, no Web Locks) by a heartbeat: `ping` it, and count it gone when it stays silent.
   */
  watchTab(lock: string | null, ping: () => void, onGone: () => void): TabWatch;
}

/** A pending timer; only the clock that made it can cancel it. */
export type Timer = number | object;

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(run: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(run: () => void, ms: number): Timer;
  clearInterval(timer: Timer | undefined): void;
}

export interface SocketEvents {
  open(): void;
  /** A frame's data: a string for text frames, anything else for binary ones. */
  message(data: unknown): void;
  /** The socket closed or failed to connect; nothing follows. */
  closed(): void;
}

export interface PlatformSocket {
  /** As WebSocket's readyState: 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  send(text: string): void;
  /** Closes without a further event. */
  close(): void;
}

export const SOCKET_CONNECTING = 0;
export const SOCKET_OPEN = 1;

/** The global clearTimeout takes its own handle type; every Timer it gets here came from the global setTimeout. */
type GlobalTimer = Parameters<typeof globalThis.clearTimeout>[0];

/**
 * The browser's own: timers, `WebSocket`, `fetch`, and the tab's Web Lock or heartbeat.
 *
 * @example
 * new Hub("shared", browserPlatform());
 */
export function browserPlatform(): Platform {
  return {
    clock: {
      now: () => performance.now(),
      setTimeout: (run, ms) => setTimeout(run, ms),
      clearTimeout: (timer) => clearTimeout(timer as GlobalTimer),
      setInterval: (run, ms) => setInterval(run, ms),
      clearInterval: (timer) => clearInterval(timer as GlobalTimer),
    },
    openSocket: (url, events) => {
      const socket = new WebSocket(url);
      socket.onopen = () => events.open();
      socket.onmessage = (event: MessageEvent<unknown>) => events.message(event.data);
      socket.onclose = () => events.closed();
      // An error is always followed by close, which reports it.
      return {
        get readyState() {
          return socket.readyState;
        },
        send: (text) => socket.send(text),
        close: () => {
          socket.onopen = socket.onmessage = socket.onclose = null;
          socket.close();
        },
      };
    },
    // Wrapped: the global itself, called as `platform.fetch(…)`, would throw "Illegal invocation" (wrong `this`).
    fetch: (url, init) => fetch(url, init),
    watchTab,
  };
}
