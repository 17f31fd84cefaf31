/**
 * The channel worker entry (dist/channel-worker.js): a dedicated Worker per tab that holds the
 * RTCDataChannels the tab hosts, so that their bytes reach the hub without the page's main thread.
 * A SharedWorker cannot take a channel (it is lost without an exception: README, "Channels off the main thread"), this can.
 */
import { BatchedPort } from "../contract/batched-port.js";
import type { ConnRef } from "../contract/ids.js";
import type { Batch } from "../contract/tab-frames.js";
import type { FromChannelWorker, PlaneCommand, PlaneReport, ToChannelWorker } from "../contract/plane-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { ChannelPump } from "./channel-pump.js";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToChannelWorker>) => void) | null;
  postMessage(message: FromChannelWorker): void;
}

const scope = globalThis as unknown as WorkerScope;
const pumps = new Map<ConnRef, ChannelPump>();
let plane: BatchedPort<PlaneReport, PlaneCommand> | undefined;

// Log lines go to the page, whose Peers' loggers honour their `debug` level.
const warn = (...args: unknown[]) => scope.postMessage({ t: "warn", args: args.map(String) });

function command(frame: PlaneCommand): void {
  const pump = pumps.get(frame.ref);
  switch (frame.t) {
    case "rtc-send":
      return pump?.send(frame.bytes, frame.sizes, frame.lowWater);
    case "rtc-send-text":
      return pump?.sendText(frame.text, frame.lowWater);
    case "rtc-close":
      // Behind the sends on this port, so they are in the channel before it closes; then the page closes the pc.
      forget(frame.ref);
      return scope.postMessage({ t: "rtc-close", ref: frame.ref });
    default:
      return assertNever(frame);
  }
}

function forget(ref: ConnRef): void {
  pumps.get(ref)?.close();
  pumps.delete(ref);
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.t) {
    case "plane":
      plane = new BatchedPort<PlaneReport, PlaneCommand>(
        message.port,
        (frames: Batch<PlaneCommand>) => frames.forEach(command),
        () => {},
      );
      return;
    case "adopt":
      // Listeners in this very task: the browser holds the channel's messages until then.
      pumps.set(message.ref, new ChannelPump(message.ref, message.channel, (f, t, when) => plane?.post(f, t, when), warn));
      return;
    case "rtc-close":
      return forget(message.ref);
    default:
      return assertNever(message);
  }
};
scope.postMessage({ t: "ready" });
