/** A send queue speaking the wire extension, wired to the receive path at its far end, with no browser between. */
import type { ConnRef, MemberId, TabId } from "../../../contract/ids.js";
import { DEFAULT_RECEIVE_LIMITS, type WireSerialization } from "../../../contract/options.js";
import type { ToTab, TransferProgress } from "../../../contract/tab-frames.js";
import { WIRE_TAG } from "../../../contract/wire-frames.js";
import { frameBounds } from "../../../worker/codec/frame-packer.js";
import { reassemblyLimits } from "../../../worker/codec/reassembler.js";
import { codecFor } from "../../../worker/codec/serialization.js";
import { Member } from "../../../worker/member.js";
import { ReceivePath } from "../../../worker/receive-path.js";
import { SendQueue } from "../../../worker/send-queue.js";
import { TabRecord } from "../../../worker/tab.js";
import { FakeClock } from "./fake-clock.js";

/** A tab that records what the worker posts to it instead of sending it. */
export class RecordingTab extends TabRecord {
  readonly frames: ToTab[] = [];
  constructor() {
    const { port1 } = new MessageChannel();
    super("tab_test" as TabId, port1, true, 0, () => {});
    port1.close();
  }
  override post(frame: ToTab): void {
    this.frames.push(frame);
  }
}

const ref = 1 as ConnRef;
export const BOUNDS = frameBounds(256 * 1024);

export interface PairOptions {
  /** With `resume`: sequence numbers, and what the replay buffer may hold. */
  readonly replayMax?: number;
  /** What a replay overflow reports. */
  readonly overflow?: (bytes: number) => void;
}

/** A send queue speaking the extension, and what its far end's receive path delivers. */
export function pair(serialization: WireSerialization, options: PairOptions = {}) {
  const tab = new RecordingTab();
  const member = new Member("m_test" as MemberId, tab, 0);
  const codec = codecFor(serialization);
  const sequenced = options.replayMax !== undefined;
  const queue = new SendQueue({
    clock: new FakeClock(),
    ref,
    link: { leg: ref, host: tab },
    encode: (value) => codec.encode(value),
    admit: () => "whole",
    reportError: () => {},
    closeNow: () => {},
    queueChanged: () => {},
    bare: (value) => (value instanceof ArrayBuffer ? new Uint8Array(value) : undefined),
    ...(options.overflow ? { overflow: options.overflow } : {}),
  });
  const bounds = sequenced ? frameBounds(256 * 1024, true) : BOUNDS;
  queue.useFrames(bounds, options.replayMax);
  queue.start();
  const delivered: unknown[] = [];
  const progress: TransferProgress[] = [];
  const broken: string[] = [];
  const acks: number[] = [];
  let closed = 0;
  const limits = reassemblyLimits(DEFAULT_RECEIVE_LIMITS);
  const incoming = new ReceivePath(codec, limits, "remote", new FakeClock(), {
    deliver: (value) => delivered.push(value),
    progress: (p) => progress.push(p),
    closed: () => closed++,
    broken: (message) => broken.push(message),
    acked: (n) => acks.push(n),
  });
  incoming.useFrames(new Set([WIRE_TAG.encoded, WIRE_TAG.bytes, WIRE_TAG.text]), sequenced);
  let read = 0;
  /**
   * Hands the channel messages posted since the last pass to the receive path (only the first
   * `keep` of them: the others are lost with their channel) and returns the sizes of all posted so far.
   */
  const pass = (keep = Infinity): number[] => {
    const sends = tab.frames.filter((f): f is Extract<ToTab, { t: "rtc-send" }> => f.t === "rtc-send");
    let kept = 0;
    for (const send of sends.slice(read)) {
      let at = 0;
      for (const size of send.sizes) {
        if (kept++ < keep) incoming.received(new Uint8Array(send.bytes, at, size));
        at += size;
      }
    }
    read = sends.length;
    return sends.flatMap((s) => s.sizes);
  };
  return { queue, member, incoming, delivered, progress, broken, acks, pass, bounds, closed: () => closed };
}

/** Lets the queue's end-of-turn move run. */
export const turn = (): Promise<void> => Promise.resolve();
