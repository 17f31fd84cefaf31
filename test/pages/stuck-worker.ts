/**
 * Test fixture, never shipped: the real worker (dist/worker.js, unchanged) plus a way for a test to
 * make it hang, where the browser offers none. Chromium's tests do it through CDP `Runtime.evaluate`
 * in the worker; WebDriver BiDi (Firefox) cannot reach a worker. Pages opt in with
 * `workerUrl: STUCK_WORKER_URL` (test/support/kill-worker.ts).
 */
import "../../dist/worker.js";
import { STUCK_ACK_CHANNEL, STUCK_CHANNEL, type StuckOrder } from "./stuck-order.js";

const ack = new BroadcastChannel(STUCK_ACK_CHANNEL);
new BroadcastChannel(STUCK_CHANNEL).onmessage = ({ data }: MessageEvent<StuckOrder>) => {
  // Posted before the loop, delivered during it: the test's next call finds the thread busy.
  ack.postMessage("stuck");
  const end = Date.now() + data.stuckMs;
  while (Date.now() < end);
};
