import type { ConnRef } from "../contract/ids.js";
import type { PlaneReport } from "../contract/plane-frames.js";
import { errorText } from "../contract/error-text.js";
import { utf8Size } from "../contract/utf8.js";

/** Where a pump's reports go: the tab port (page fallback) or the plane port (channel worker). */
export type PumpPost = (frame: PlaneReport, transfer?: readonly Transferable[], when?: "soon" | "later") => void;

// One RTCDataChannel's traffic with the hub, the same in the channel worker and in the page
// fallback: listeners, received bursts batched, sends, and drain reports for backpressure.
export class ChannelPump {
  // Binary messages received since the last report.
  private inbox: ArrayBuffer[] = [];
  private inboxBytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private accepted = 0;
  private opened = false;

  // Made in the task that got `channel`: the browser holds its messages until listeners exist.
  constructor(
    private readonly ref: ConnRef,
    readonly channel: RTCDataChannel,
    private readonly post: PumpPost,
    warn: (...args: unknown[]) => void,
  ) {
    // Neither survives a transfer (README, "Channels off the main thread"), so they are set where the channel lives.
    channel.binaryType = "arraybuffer";
    channel.onopen = () => this.open();
    channel.onclose = () => {
      this.report();
      post({ t: "rtc-channel-closed", ref });
    };
    channel.onerror = (event) => warn(`RTCDataChannel ${channel.label}:`, errorText(event.error));
    channel.onmessage = (event: MessageEvent<ArrayBuffer | string>) => this.received(event.data);
    channel.onbufferedamountlow = () => this.drained();
    // Safari can hand over a channel that is open already: its open event has fired elsewhere.
    if (channel.readyState === "open") this.open();
  }

  send(bytes: ArrayBuffer, sizes: readonly number[], lowWater: number): void {
    let offset = 0;
    this.sent(lowWater, () => {
      for (const size of sizes) {
        this.channel.send(new Uint8Array(bytes, offset, size));
        offset += size;
      }
      return offset;
    });
  }

  sendText(text: string, lowWater: number): void {
    this.sent(lowWater, () => {
      this.channel.send(text);
      return utf8Size(text);
    });
  }

  close(): void {
    const channel = this.channel;
    clearTimeout(this.timer);
    channel.onopen = channel.onclose = channel.onerror = channel.onmessage = channel.onbufferedamountlow = null;
    channel.close();
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.post({ t: "rtc-channel-open", ref: this.ref });
  }

  private received(data: ArrayBuffer | string): void {
    if (typeof data === "string") {
      this.report();
      this.post({ t: "rtc-received-text", ref: this.ref, text: data }, undefined, "later");
      return;
    }
    // A burst of channel messages (each its own task) crosses to the hub as one buffer.
    this.inbox.push(data);
    this.inboxBytes += data.byteLength;
    this.timer ??= setTimeout(() => this.report(), 0);
  }

  // What was received so far, copied into one transferred buffer: one copy beats many transfers.
  private report(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inbox.length === 0) return;
    const bytes = new Uint8Array(this.inboxBytes);
    const sizes: number[] = [];
    let at = 0;
    for (const buffer of this.inbox) {
      bytes.set(new Uint8Array(buffer), at);
      at += buffer.byteLength;
      sizes.push(buffer.byteLength);
    }
    this.inbox = [];
    this.inboxBytes = 0;
    this.post({ t: "rtc-received", ref: this.ref, bytes: bytes.buffer, sizes }, [bytes.buffer]);
  }

  // `write` returns the bytes it handed over; then the drain report.
  private sent(lowWater: number, write: () => number): void {
    if (this.channel.readyState !== "open") return;
    this.channel.bufferedAmountLowThreshold = lowWater;
    try {
      this.accepted += write();
    } catch (error) {
      this.post({ t: "rtc-failed", ref: this.ref, message: `send failed: ${errorText(error, true)}` });
      return;
    }
    this.drained();
  }

  private drained(): void {
    this.post({ t: "rtc-drained", ref: this.ref, accepted: this.accepted, buffered: this.channel.bufferedAmount });
  }
}
