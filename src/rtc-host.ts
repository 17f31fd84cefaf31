import type { ConnRef } from "../contract/ids.js";
import type { RtcCommand, ToWorker } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { errorText } from "../contract/error-text.js";
import { ChannelPump } from "./channel-pump.js";
import type { ChannelPlane } from "./channel-plane.js";

type Post = (frame: ToWorker, transfer?: readonly Transferable[], when?: "soon" | "later") => void;

interface Hosted {
  /** The connection it carries (its own ref differs once a data connection resumed). */
  readonly conn: ConnRef;
  readonly pc: RTCPeerConnection;
  /** Its channel's pump when the channel stays on this page; `moved`: it went to the channel worker. */
  pump: ChannelPump | undefined;
  moved: boolean;
  /** Negotiation steps run one after another: a candidate never overtakes its description. */
  steps: Promise<void>;
}

export type SdpTransform = (sdp: string) => string;

/** @internal What the tab that hosts a media call holds for it. */
export interface LocalMedia {
  readonly stream: MediaStream | undefined;
  readonly sdpTransform: SdpTransform | undefined;
  onStream(stream: MediaStream): void;
}

let adapterLoaded: Promise<unknown> | undefined;

/**
 * webrtc-adapter patches globals, so it loads once a Peer of the tab is open (or with its first RTCPeerConnection), not with the import.
 * Resolves with the load error, if any: without the adapter the browser's own WebRTC is used.
 */
function loadAdapter(): Promise<unknown> {
  adapterLoaded ??= import("webrtc-adapter").then(
    () => undefined,
    (error: unknown) => error,
  );
  return adapterLoaded;
}

/**
 * This tab's share of WebRTC: the worker cannot create RTCPeerConnections, so the tab that hosts
 * a connection does, on the worker's request, and moves bytes between its channel and the worker.
 * @internal
 */
export class RtcHost {
  private readonly hosted = new Map<ConnRef, Hosted>();
  private readonly media = new Map<string, LocalMedia>();
  // Where channels go when it takes them (README, "Channels off the main thread"); none: every channel stays on this page.
  plane: ChannelPlane | undefined;
  // A Peer of this tab asked for `dataPlane: "page"`.
  keepOnPage = false;
  // Loaded once a Peer is open (preload) or with the first RTCPeerConnection: not on the way to `open`.
  private adapter: Promise<unknown> | undefined;
  private adapterReported = false;

  constructor(
    private readonly post: Post,
    /** A warning for the loggers of this tab's Peers. */
    readonly warn: (...args: unknown[]) => void,
  ) {}

  get size(): number {
    return this.hosted.size;
  }

  /** Before a call is placed or answered here: what the RTCPeerConnection for `connectionId` needs. */
  provideMedia(connectionId: string, local: LocalMedia): void {
    this.media.set(connectionId, local);
  }

  forgetMedia(connectionId: string): void {
    this.media.delete(connectionId);
  }

  peerConnection(conn: ConnRef): RTCPeerConnection | null {
    return this.carrying(conn)?.pc ?? null;
  }

  dataChannel(conn: ConnRef): RTCDataChannel | null {
    return this.carrying(conn)?.pump?.channel ?? null;
  }

  /** What this tab hosts for connection `conn`, if anything. */
  private carrying(conn: ConnRef): Hosted | undefined {
    for (const hosted of this.hosted.values()) if (hosted.conn === conn) return hosted;
    return undefined;
  }

  handle(command: RtcCommand): void {
    switch (command.t) {
      case "rtc-create":
        return this.create(command);
      case "rtc-create-media":
        return this.createMedia(command);
      case "rtc-remote-description":
        return this.step(command.ref, async (h) => {
          await h.pc.setRemoteDescription(command.sdp);
        });
      case "rtc-remote-candidate":
        return this.step(command.ref, async (h) => {
          await h.pc.addIceCandidate(command.candidate);
        });
      case "rtc-send":
        return this.hosted.get(command.ref)?.pump?.send(command.bytes, command.sizes, command.lowWater);
      case "rtc-send-text":
        return this.hosted.get(command.ref)?.pump?.sendText(command.text, command.lowWater);
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
    const hosted = this.open(ref, command.conn, command.config);
    if (command.offer) {
      hosted.pc.ondatachannel = (event) => this.attachChannel(ref, hosted, event.channel);
    } else {
      this.attachChannel(ref, hosted, hosted.pc.createDataChannel(command.label, { ordered: command.reliable }));
    }
    this.negotiate(ref, hosted.pc, command.offer, undefined);
  }

  /** A media call this tab hosts: its stream and sdpTransform were handed over by `provideMedia`. */
  private createMedia(command: Extract<RtcCommand, { t: "rtc-create-media" }>): void {
    const { ref, connectionId } = command;
    const local = this.media.get(connectionId);
    const hosted = this.open(ref, ref, command.config);
    const { pc } = hosted;
    const stream = local?.stream;
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.ontrack = (event) => local?.onStream(event.streams[0] ?? new MediaStream([event.track]));
    // peerjs pairs every call with a data channel: its closing ends the call at the far end.
    if (command.offer) pc.ondatachannel = (event) => this.attachChannel(ref, hosted, event.channel);
    else this.attachChannel(ref, hosted, pc.createDataChannel(connectionId));
    this.negotiate(ref, pc, command.offer, local?.sdpTransform);
  }

  /** Ahead of the first RTCPeerConnection. */
  preload(): void {
    this.adapter ??= loadAdapter();
  }

  private adapterMissing(failure: unknown): void {
    if (failure === undefined || this.adapterReported) return;
    this.adapterReported = true;
    this.warn("webrtc-adapter did not load; using the browser's WebRTC as it is:", failure);
  }

  private open(ref: ConnRef, conn: ConnRef, config: RTCConfiguration): Hosted {
    const pc = new RTCPeerConnection(config);
    const steps = (this.adapter ??= loadAdapter()).then((failure) => this.adapterMissing(failure));
    const hosted: Hosted = { conn, pc, pump: undefined, moved: false, steps };
    this.hosted.set(ref, hosted);
    pc.onicecandidate = (event) => {
      if (event.candidate?.candidate) this.post({ t: "rtc-local-candidate", ref, candidate: event.candidate.toJSON() });
    };
    pc.oniceconnectionstatechange = () => this.post({ t: "rtc-ice-state", ref, state: pc.iceConnectionState });
    return hosted;
  }

  /** Offer (no `offer` given) or answer, with the app's sdpTransform applied before it is set. */
  private negotiate(
    ref: ConnRef,
    pc: RTCPeerConnection,
    offer: RTCSessionDescriptionInit | undefined,
    transform: SdpTransform | undefined,
  ): void {
    this.step(ref, async () => {
      if (offer) await pc.setRemoteDescription(offer);
      const local = offer ? await pc.createAnswer() : await pc.createOffer();
      if (transform && local.sdp) local.sdp = transform(local.sdp);
      await pc.setLocalDescription(local);
      this.post({ t: "rtc-local-description", ref, sdp: describe(pc) });
    });
  }

  // In the task that made `channel`: the only one in which it can be transferred, or get listeners without a loss.
  private attachChannel(ref: ConnRef, hosted: Hosted, channel: RTCDataChannel): void {
    if (!this.keepOnPage && this.plane?.adopt(ref, channel)) hosted.moved = true;
    else hosted.pump = new ChannelPump(ref, channel, this.post, this.warn);
  }

  private step(ref: ConnRef, action: (hosted: Hosted) => Promise<void>): void {
    const hosted = this.hosted.get(ref);
    if (!hosted) return;
    hosted.steps = hosted.steps
      .then(() => action(hosted))
      .catch((error: unknown) => {
        if (this.hosted.get(ref) !== hosted) return;
        this.post({ t: "rtc-failed", ref, message: errorText(error, true) });
      });
  }

  close(ref: ConnRef): void {
    const hosted = this.hosted.get(ref);
    if (!hosted) return;
    this.hosted.delete(ref);
    hosted.pump?.close();
    if (hosted.moved) this.plane?.forget(ref);
    hosted.pc.onicecandidate = hosted.pc.oniceconnectionstatechange = hosted.pc.ondatachannel = null;
    hosted.pc.close();
  }
}

function describe(pc: RTCPeerConnection): RTCSessionDescriptionInit {
  const d = pc.localDescription;
  if (!d) throw new Error("no local description after setLocalDescription");
  return { type: d.type, sdp: d.sdp };
}
