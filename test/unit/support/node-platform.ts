import WebSocket from "ws";
import type { TabWatch } from "../../../worker/liveness.js";
import type { Clock, Platform, PlatformSocket, SocketEvents } from "../../../worker/platform.js";

/**
 * Tab liveness under test control: the hub watches each tab's lock here, and `end(lock)` is the tab
 * dying (in a browser, the Web Lock being released as the tab closes or crashes).
 */
export class TabLiveness {
  private readonly watches = new Map<string, () => void>();

  watch(lock: string | null, onGone: () => void): TabWatch {
    if (lock === null) throw new Error("test tabs hold a lock");
    this.watches.set(lock, onGone);
    return { heard: () => {}, stop: () => this.watches.delete(lock) };
  }

  /** The tab holding `lock` is gone. */
  end(lock: string): void {
    const onGone = this.watches.get(lock);
    if (!onGone) throw new Error(`no tab holds ${lock}`);
    this.watches.delete(lock);
    onGone();
  }
}

/** The `ws` package as the signalling socket: text frames as strings, binary as Buffers. */
function openWs(url: string, events: SocketEvents): PlatformSocket {
  const socket = new WebSocket(url);
  socket.on("open", () => events.open());
  socket.on("message", (data, isBinary) => events.message(isBinary ? data : data.toString()));
  socket.on("close", () => events.closed());
  // ws emits error before close (and on close() while connecting); close reports it.
  socket.on("error", () => {});
  return {
    get readyState() {
      return socket.readyState;
    },
    send: (text) => socket.send(text),
    close: () => {
      socket.removeAllListeners("open").removeAllListeners("message").removeAllListeners("close");
      socket.close();
    },
  };
}

export interface NodePlatform extends Platform {
  readonly liveness: TabLiveness;
}

/**
 * The hub's environment in Node: the given clock, real sockets (`ws`) and HTTP (`fetch`) to a
 * PeerServer on 127.0.0.1, and tab liveness the test ends.
 *
 * @example
 * const hub = new Hub("shared", nodePlatform(new FakeClock()));
 */
export function nodePlatform(clock: Clock): NodePlatform {
  const liveness = new TabLiveness();
  return {
    clock,
    openSocket: openWs,
    fetch: (url, init) => fetch(url, init),
    watchTab: (lock, _ping, onGone) => liveness.watch(lock, onGone),
    liveness,
  };
}
