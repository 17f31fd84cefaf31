/**
 * The worker entry. As a SharedWorker every connecting tab gets the hub's API on its port; as a
 * dedicated Worker (no SharedWorker in this browser) the one page talks to `self`.
 */
import type { Endpoint } from "comlink";
import { Hub } from "./hub.js";
import { browserPlatform } from "./platform.js";

interface SharedScope {
  onconnect: ((event: MessageEvent) => void) | null;
}

const scope = globalThis as unknown as SharedScope;
const isShared = "onconnect" in scope;
const hub = new Hub(isShared ? "shared" : "dedicated", browserPlatform());

if (isShared) {
  scope.onconnect = (event: MessageEvent) => {
    const port = event.ports[0];
    if (port) hub.accept(port);
  };
} else {
  hub.accept(globalThis as unknown as Endpoint);
}
