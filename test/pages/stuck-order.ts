/** What a test tells test/pages/stuck-worker.ts, on a BroadcastChannel of the pages' origin. */
export const STUCK_CHANNEL = "sharedpeer-test:stuck-worker";

/** Where the worker says it is about to be busy: heard while it is. */
export const STUCK_ACK_CHANNEL = "sharedpeer-test:stuck-worker-ack";

/** The worker script a page passes as `workerUrl` to be made stuck that way. */
export const STUCK_WORKER_URL = "/test/pages/stuck-worker.ts";

/** Keep the worker's thread busy for this long. */
export interface StuckOrder {
  readonly stuckMs: number;
}
