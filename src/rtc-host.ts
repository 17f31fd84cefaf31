import type { ConnRef } from "../contract/ids.js";
import type { RtcCommand, ToWorker } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";

type Post = (frame: ToWorker, transfer?: readonly Transferable[]) => void;

interface Hosted {
  readonly pc: RTCPeerConnection;
  channel: RTCDataChannel | undefined;
  /** Negotiation steps run one after another: a candidate never overtakes its description. */
  steps: Promise<void>;
  accepted: number;
}

let adapterLoaded: Promise<unknown> | undefined;

/** webrtc-adapter patches globals, so it loads with the first connection, not with the import. */
function loadAdapter(): Promise<unknown> {
  adapterLoaded ??= import("webrtc-adapter").catch(() => undefined);
  return adapterLoaded;
}

/**
 * This tab's share of WebRTC: the worker cannot create RTCPeerConnections, so the tab that hosts
 * a connection does, on the worker's request, and moves bytes between its channel and the worker.
 */
export class RtcHost {
  private readonly hosted = new Map<ConnRef, Hosted>();

  constructor(private readonly post: Post) {}

  get size(): number {
    return this.hosted.size;
  }

  peerConnection(ref: ConnRef): RTCPeerConnection | null {
    return this.hosted.get(ref)?.pc ?? null;
  }

  dataChannel(ref: ConnRef): RTCDataChannel | null {
    return this.hosted.get(ref)?.channel ?? null;
  }

  handle(command: RtcCommand): void {
    switch (command.t) {
      case "rtc-create":
        return this.create(command);
      case "rtc-remote-description":
        return this.step(command.ref, async (h) => {
          await h.pc.setRemoteDescription(command.sdp);
        });
      case "rtc-remote-candidate":
        return this.step(command.ref, async (h) => {
          await h.pc.addIceCandidate(command.candidate);
        });
      case "rtc-send":
        return this.send(command.ref, command.bytes, command.sizes, command.lowWater);
      case "rtc-send-text":
        return this.sendText(command.ref, command.text, command.lowWater);
      case "rtc-close":
        return this.close(command.ref);
      default:
        return assertNever(command);
    }
  }

  closeAll(): void {
    for (const ref of [...this.hosted.keys()]) this.close(ref);
  }

  private create(command: Extract<RtcCommand, { t: "rtc-create" }>): void {
    const { ref } = command;
    const pc = new RTCPeerConnection(command.config);
    const hosted: Hosted = { pc, channel: undefined, steps: loadAdapter().then(() => undefined), accepted: 0 };
    this.hosted.set(ref, hosted);
    pc.onicecandidate = (event) => {
      if (event.candidate?.candidate) this.post({ t: "rtc-local-candidate", ref, candidate: event.candidate.toJSON() });
    };
    pc.oniceconnectionstatechange = () => this.post({ t: "rtc-ice-state", ref, state: pc.iceConnectionState });
    if (command.offer) {
      const offer = command.offer;
      pc.ondatachannel = (event) => this.attachChannel(ref, hosted, event.channel);
      this.step(ref, async () => {
        await pc.setRemoteDescription(offer);
        await pc.setLocalDescription(await pc.createAnswer());
        this.post({ t: "rtc-local-description", ref, sdp: describe(pc) });
      });
    } else {
      this.attachChannel(ref, hosted, pc.createDataChannel(command.label, { ordered: command.reliable }));
      this.step(ref, async () => {
        await pc.setLocalDescription(await pc.createOffer());
        this.post({ t: "rtc-local-description", ref, sdp: describe(pc) });
      });
    }
  }

  private attachChannel(ref: ConnRef, hosted: Hosted, channel: RTCDataChannel): void {
    hosted.channel = channel;
    channel.binaryType = "arraybuffer";
    channel.onopen = () => this.post({ t: "rtc-channel-open", ref });
    channel.onclose = () => this.post({ t: "rtc-channel-closed", ref });
    channel.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      const data = event.data;
      this.post({ t: "rtc-received", ref, data }, typeof data === "string" ? undefined : [data]);
    };
    channel.onbufferedamountlow = () => this.reportDrained(ref, hosted);
  }

  private step(ref: ConnRef, action: (hosted: Hosted) => Promise<void>): void {
    const hosted = this.hosted.get(ref);
    if (!hosted) return;
    hosted.steps = hosted.steps
      .then(() => action(hosted))
      .catch((error: unknown) => {
        if (this.hosted.get(ref) !== hosted) return;
        this.post({ t: "rtc-failed", ref, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      });
  }

  private send(ref: ConnRef, bytes: ArrayBuffer, sizes: readonly number[], lowWater: number): void {
    const hosted = this.hosted.get(ref);
    const channel = hosted?.channel;
    if (!hosted || !channel || channel.readyState !== "open") return;
    channel.bufferedAmountLowThreshold = lowWater;
    let offset = 0;
    try {
      for (const size of sizes) {
        channel.send(new Uint8Array(bytes, offset, size));
        offset += size;
      }
    } catch (error) {
      this.post({ t: "rtc-failed", ref, message: `send failed: ${String(error)}` });
      return;
    }
    hosted.accepted += offset;
    this.reportDrained(ref, hosted);
  }

  private sendText(ref: ConnRef, text: string, lowWater: number): void {
    const hosted = this.hosted.get(ref);
    const channel = hosted?.channel;
    if (!hosted || !channel || channel.readyState !== "open") return;
    channel.bufferedAmountLowThreshold = lowWater;
    try {
      channel.send(text);
    } catch (error) {
      this.post({ t: "rtc-failed", ref, message: `send failed: ${String(error)}` });
      return;
    }
    hosted.accepted += text.length;
    this.reportDrained(ref, hosted);
  }

  private reportDrained(ref: ConnRef, hosted: Hosted): void {
    this.post({ t: "rtc-drained", ref, accepted: hosted.accepted, buffered: hosted.channel?.bufferedAmount ?? 0 });
  }

  private close(ref: ConnRef): void {
    const hosted = this.hosted.get(ref);
    if (!hosted) return;
    this.hosted.delete(ref);
    const channel = hosted.channel;
    if (channel) {
      channel.onopen = channel.onclose = channel.onmessage = channel.onbufferedamountlow = null;
      channel.close();
    }
    hosted.pc.onicecandidate = hosted.pc.oniceconnectionstatechange = hosted.pc.ondatachannel = null;
    hosted.pc.close();
  }
}

function describe(pc: RTCPeerConnection): RTCSessionDescriptionInit {
  const d = pc.localDescription;
  if (!d) throw new Error("no local description after setLocalDescription");
  return { type: d.type, sdp: d.sdp };
}
