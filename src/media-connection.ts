import type { ConnRef } from "../contract/ids.js";
import type { ConnectionEvent } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { BaseConnection } from "./base-connection.js";
import { connectionInternals } from "./internals.js";
import { PeerError, toPeerError } from "./peer-error.js";
import type { SdpTransform } from "./rtc-host.js";
import type { WorkerLink } from "./worker-link.js";

/**
 * Events of a MediaConnection.
 *
 * @example
 * call.on("stream", (remote) => (video.srcObject = remote));
 * call.on("answeredElsewhere", () => hideRinging());
 */
export interface MediaConnectionEvents {
  /** The remote's stream; only in the tab that hosts the call (it placed or answered it). */
  stream: (stream: MediaStream) => void;
  close: () => void;
  error: (error: PeerError) => void;
  iceStateChanged: (state: RTCIceConnectionState) => void;
  /** The call's companion data channel opened: hanging up on either side now reaches the other. */
  willCloseOnRemote: () => void;
  /** An incoming call was answered in another tab of this peer, which hosts it now. */
  answeredElsewhere: () => void;
}

/**
 * Options of `peer.call` and `mediaConnection.answer`.
 *
 * @example
 * peer.call("bob", stream, { metadata: { room: 7 }, sdpTransform: (sdp) => sdp.replace("useinbandfec=1", "useinbandfec=1;stereo=1") });
 */
export interface CallOptions {
  /** Any JSON value, handed to the remote with the call (`call` only). */
  metadata?: unknown;
  /** Rewrites this side's SDP before it is used. */
  sdpTransform?: SdpTransform;
}

/** @internal */
export interface MediaInternals {
  bind(link: WorkerLink, ref: ConnRef): void;
  handle(event: ConnectionEvent): void;
  answered(here: boolean): void;
  /** Hands this tab's stream to its RTC host, before the call is placed or answered here. */
  provide(link: WorkerLink, stream: MediaStream | undefined, sdpTransform: SdpTransform | undefined): void;
  detach(): void;
  /** Ends here with `error`, then `close` (the worker died, or never knew the connection). */
  fail(error: PeerError): void;
}

/**
 * An audio/video call, as in peerjs 1.5.5. Across tabs: the RTCPeerConnection and the streams
 * live in one tab, the host (the caller's, or the first tab that answers). An incoming call fires
 * `call` in every tab; once one answers, the others get `answeredElsewhere`.
 *
 * @example
 * peer.on("call", (call) => {
 *   call.answer(myStream);
 *   call.on("stream", (remote) => (video.srcObject = remote));
 * });
 */
export class MediaConnection extends BaseConnection<MediaConnectionEvents> {
  /** Always `"media"`. */
  readonly type = "media" as const;
  /** The stream this tab sends (set by `call` or `answer` here). */
  localStream: MediaStream | undefined;
  /** The remote's stream, in the host tab. */
  remoteStream: MediaStream | undefined;
  /** true in the tabs that did not answer an incoming call another tab answered. */
  answeredElsewhere = false;

  /**
   * Answers an incoming call from this tab, which then hosts it; `stream` is what we send (none:
   * receive only). The first tab to answer wins; a later answer gets an `error`.
   */
  answer(stream?: MediaStream, options: CallOptions = {}): void {
    if (!this.link || this.ref === undefined || this.state === "closed") {
      this.emit("error", new PeerError("webrtc", "This call cannot be answered: it was placed here, or it ended."));
      return;
    }
    this.localStream = stream;
    this[connectionInternals].provide(this.link, stream, options.sdpTransform);
    this.link.api.answer(this.member, this.ref).catch((e: unknown) => this.fail(toPeerError(e, "webrtc")));
  }

  /** Hangs up for every tab and the remote (or rejects a call nobody answered). */
  close(): void {
    if (this.state === "closed") return;
    if (this.link && this.ref !== undefined) this.link.post({ t: "close", member: this.member, ref: this.ref, flush: false });
    this.finish();
  }

  /** @internal */
  readonly [connectionInternals]: MediaInternals = {
    bind: (link, ref) => {
      this.link = link;
      this.ref = ref;
      if (this.state === "closed") link.post({ t: "close", member: this.member, ref, flush: false });
    },
    handle: (event) => this.handle(event),
    answered: (here) => {
      if (here) return;
      this.answeredElsewhere = true;
      this.emit("answeredElsewhere");
    },
    provide: (link, stream, sdpTransform) => {
      link.rtc.provideMedia(this.connectionId, {
        stream,
        sdpTransform,
        onStream: (remote) => {
          this.remoteStream = remote;
          this.emit("stream", remote);
        },
      });
    },
    detach: () => this.finish(),
    fail: (error) => this.fail(error),
  };

  private handle(event: ConnectionEvent): void {
    if (this.state === "closed" || this.handleCommon(event)) return;
    switch (event.t) {
      case "conn-open":
        this.state = "open";
        this.emit("willCloseOnRemote");
        return;
      case "conn-data":
      case "conn-progress":
      case "conn-buffer":
      case "conn-error":
      case "conn-closed":
      case "conn-ice-state":
        return;
      default:
        assertNever(event);
    }
  }

  protected override released(): void {
    this.link?.rtc.forgetMedia(this.connectionId);
  }
}
