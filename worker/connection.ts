import { wireError, type PeerErrorType, type WireError } from "../contract/errors.js";
import type { ConnRef, MemberId } from "../contract/ids.js";
import type { WireSerialization } from "../contract/options.js";
import type { ConnectionInfo, RtcReport, ToTab } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { SHAREDPEER_WIRE_VERSION, type ClientMessage, type OfferPayload } from "../contract/server-messages.js";
import { CHUNK_SIZE, chunkCount } from "./codec/chunker.js";
import { Reassembler, type ReassemblyLimits } from "./codec/reassembler.js";
import { codecFor, type Codec, type Decoded, type DecodedFrame, type Encoded } from "./codec/serialization.js";
import { fitsIn, maxMessageSize } from "./max-message-size.js";
import type { Member } from "./member.js";
import { MSGPACK_PIECE } from "./codec/msgpack.js";
import { SendQueue, type Admission } from "./send-queue.js";
import { BufferReport } from "./buffer-report.js";
import type { TabRecord } from "./tab.js";
import type { Clock, Timer } from "./platform.js";

/**
 * A remote that vanishes without a word (its browser killed, its network gone) never closes the
 * channel, and Chromium never moves iceConnectionState to `failed`: measured, ICE turns
 * `disconnected` ~5 s after the last packet, connectionState `failed` 10 s later, and the channel
 * stays open for good. So a connection `disconnected` this long is closed, as that verdict, instead
 * of lingering (peers/peerjs#769).
 */
const LOST_AFTER_MS = 10_000;

export type ConnectionState = "negotiating" | "open" | "closed";
export type Role = "offerer" | "answerer";

/** What a connection or call needs from its peer: signalling and bookkeeping. */
export interface ConnectionOwner {
  readonly members: ReadonlyMap<MemberId, Member>;
  readonly clock: Clock;
  signal(message: ClientMessage): void;
  forget(link: { readonly ref: ConnRef }): void;
  log(level: 1 | 2 | 3, ...args: unknown[]): void;
}

/** Receive progress is reported every this many chunks (about 1 MiB). */
const RECEIVE_PROGRESS_EVERY = 64;

/** Which members get `data`: undecided ones do until their tab says whether anyone listens. */
type Listening = "undecided" | "on" | "off";

/** One data connection: negotiation relay, send queue with backpressure, receive and decode. */
export class Connection {
  readonly kind = "data";
  state: ConnectionState = "negotiating";
  /** The remote is a sharedpeer: it takes large json messages and a top-level undefined. */
  remoteIsSharedpeer = false;
  private readonly codec: Codec;
  private readonly queue: SendQueue;
  private readonly listening = new Map<MemberId, Listening>();
  private readonly reassembler: Reassembler;
  /** Runs while chunked messages are unfinished, to drop those whose chunks stopped coming. */
  private chunkTimer: Timer | undefined;
  private readonly buffer: BufferReport;
  /** When the last channel message arrived: a stream value that gets nothing for the chunk timeout is stalled. */
  private lastReceivedAt = 0;
  /** Runs while ICE is `disconnected`; closes the connection unless ICE comes back first. */
  private lostTimer: Timer | undefined;
  /** `a=max-message-size` of our SDP and of the remote's (RFC 8841); what raw messages must fit. */
  private readonly maxMessage = { local: Infinity, remote: Infinity };

  constructor(
    private readonly owner: ConnectionOwner,
    readonly ref: ConnRef,
    readonly connectionId: string,
    readonly remoteId: string,
    readonly label: string,
    readonly metadata: unknown,
    readonly serialization: WireSerialization,
    readonly reliable: boolean,
    readonly role: Role,
    readonly host: TabRecord,
    private readonly limits: ReassemblyLimits,
  ) {
    this.codec = codecFor(serialization, limits);
    this.buffer = new BufferReport(
      ref,
      () => this.queue.queued,
      () => (this.state === "closed" ? [] : this.members()),
    );
    this.queue = new SendQueue({
      ref,
      host,
      encode: (value) => this.codec.encode(value),
      admit: (encoded, from) => this.admit(encoded, from.member),
      reportError: (member, error) => member.post(this.errorFrame(member.id, error)),
      closeNow: () => this.close(),
      queueChanged: () => this.buffer.soon(),
    });
    // peerjs and sharedpeer cut at CHUNK_SIZE: a larger total announces a message beyond the limit.
    // Every chunk but a message's last is full, so the pending bytes bound the pending chunks too.
    const maxPendingChunks = chunkCount(limits.maxPendingBytes) + 1024;
    this.reassembler = new Reassembler({ ...limits, maxChunks: chunkCount(limits.maxMessageBytes), maxPendingChunks });
  }

  info(): ConnectionInfo {
    const { ref, connectionId, remoteId, label, metadata, serialization, reliable } = this;
    return { ref, connectionId, remoteId, label, metadata, serialization, reliable, open: this.state === "open" };
  }

  /** A member starts to see this connection; it gets data until its tab decides. */
  addMember(member: Member, incoming: boolean): void {
    this.listening.set(member.id, "undecided");
    member.post({ t: "conn-added", member: member.id, conn: this.info(), incoming });
  }

  removeMember(member: MemberId): void {
    this.listening.delete(member);
    this.buffer.forget(member);
  }

  setListening(member: MemberId, on: boolean): void {
    if (this.listening.has(member)) this.listening.set(member, on ? "on" : "off");
  }

  handleReport(report: RtcReport): void {
    switch (report.t) {
      case "rtc-local-description":
        this.maxMessage.local = maxMessageSize(report.sdp.sdp ?? "");
        return this.sendDescription(report.sdp);
      case "rtc-local-candidate":
        return this.owner.signal({
          type: "CANDIDATE",
          dst: this.remoteId,
          payload: { candidate: report.candidate, type: "data", connectionId: this.connectionId },
        });
      case "rtc-channel-open":
        return this.opened();
      case "rtc-channel-closed":
        return this.close();
      case "rtc-ice-state":
        return this.iceStateChanged(report.state);
      case "rtc-received": {
        let at = 0;
        for (const size of report.sizes) {
          if (this.state === "closed") return;
          this.received(new Uint8Array(report.bytes, at, size));
          at += size;
        }
        return;
      }
      case "rtc-received-text":
        return this.received(report.text);
      case "rtc-drained":
        return this.queue.drained(report.accepted, report.buffered);
      case "rtc-failed":
        return this.fail("webrtc", report.message);
      default:
        return assertNever(report);
    }
  }

  /** OFFER or ANSWER exactly as peerjs 1.5.5 sends them (protocol.md §2.4), plus our marker. */
  private sendDescription(sdp: RTCSessionDescriptionInit): void {
    const { remoteId: dst, connectionId } = this;
    if (this.role === "answerer") {
      this.owner.signal({ type: "ANSWER", dst, payload: { sdp, type: "data", connectionId, sharedpeer: SHAREDPEER_WIRE_VERSION } });
      return;
    }
    const payload: OfferPayload = {
      sdp,
      type: "data",
      connectionId,
      ...(this.metadata === undefined ? {} : { metadata: this.metadata }),
      label: this.label,
      reliable: this.reliable,
      serialization: this.serialization,
      sharedpeer: SHAREDPEER_WIRE_VERSION,
    };
    this.owner.signal({ type: "OFFER", dst, payload });
  }

  /** The remote's ANSWER, or one of its ICE candidates. */
  remoteDescription(sdp: RTCSessionDescriptionInit): void {
    this.remoteOffered(sdp);
    this.host.post({ t: "rtc-remote-description", ref: this.ref, sdp });
  }

  /** Notes what the remote's OFFER or ANSWER says about message sizes. */
  remoteOffered(sdp: RTCSessionDescriptionInit): void {
    this.maxMessage.remote = maxMessageSize(sdp.sdp ?? "");
  }

  remoteCandidate(candidate: RTCIceCandidateInit): void {
    this.host.post({ t: "rtc-remote-candidate", ref: this.ref, candidate });
  }

  /** Still negotiating: an EXPIRE for its remote means it will never open. */
  get pending(): boolean {
    return this.state === "negotiating";
  }

  /** A value from a tab: encoded here, in the worker, and queued in arrival order. */
  send(member: Member, value: unknown, sendId: number): void {
    this.buffer.took(member.id);
    if (this.state !== "open") {
      member.post(
        this.errorFrame(
          member.id,
          wireError("not-open-yet", "Connection is not open. You should listen for the `open` event before sending messages."),
        ),
      );
      return;
    }
    this.queue.push(value, { member, sendId });
  }

  /** `flush`: the close travels behind everything queued, as peerjs's in-band close message. */
  requestClose(flush: boolean): void {
    if (this.state === "closed") return;
    if (!flush || this.state !== "open") return this.close();
    this.queue.pushClose(this.codec.closeFrame);
  }

  close(error?: WireError): void {
    if (this.state === "closed") return;
    const wasOpen = this.state === "open";
    this.state = "closed";
    this.queue.clear();
    this.reassembler.clear();
    this.codec.clear?.();
    this.owner.clock.clearTimeout(this.chunkTimer);
    this.owner.clock.clearTimeout(this.lostTimer);
    this.host.post({ t: "rtc-close", ref: this.ref });
    for (const member of this.members()) {
      if (error) member.post(this.errorFrame(member.id, error));
      member.post({ t: "conn-closed", member: member.id, ref: this.ref });
    }
    this.owner.log(3, `connection ${this.connectionId} to ${this.remoteId} closed${wasOpen ? "" : " before it opened"}`);
    this.owner.forget(this);
  }

  fail(type: PeerErrorType, message: string, cause?: unknown): void {
    this.owner.log(1, `connection ${this.connectionId}: ${message}`);
    this.close(wireError(type, message, cause));
  }

  private opened(): void {
    if (this.state !== "negotiating") return;
    this.state = "open";
    for (const member of this.members()) member.post({ t: "conn-open", member: member.id, ref: this.ref });
    this.queue.start();
  }

  private iceStateChanged(state: RTCIceConnectionState): void {
    for (const member of this.members()) member.post({ t: "conn-ice-state", member: member.id, ref: this.ref, state });
    if (state !== "disconnected") {
      this.owner.clock.clearTimeout(this.lostTimer);
      this.lostTimer = undefined;
    } else if (this.lostTimer === undefined) {
      this.lostTimer = this.owner.clock.setTimeout(() => {
        this.lostTimer = undefined;
        this.fail("connection-closed", `Lost the connection to ${this.remoteId}: ICE stayed disconnected for ${LOST_AFTER_MS / 1000} s.`);
      }, LOST_AFTER_MS);
    }
    if (state === "failed") this.fail("negotiation-failed", `Negotiation of connection to ${this.remoteId} failed.`);
    else if (state === "closed") this.fail("connection-closed", `Connection to ${this.remoteId} closed.`);
  }

  /**
   * Whether an encoded message can go: binary chunks anything; json above the chunk size reaches only
   * a sharedpeer (chunked; peerjs 1.5.5 cannot take it); raw has no framing and goes whole if the
   * channel takes a message that big (else the browser's send() would throw and end the connection);
   * MsgPack is a stream, cut into 32 KiB pieces as peerjs's StreamConnection does.
   */
  private admit(encoded: Encoded, member: Member): Admission {
    if (this.serialization === "raw") {
      const limit = Math.min(this.maxMessage.local, this.maxMessage.remote);
      if (fitsIn(encoded, limit)) return "whole";
      return this.refuse(
        member,
        `A raw message larger than this channel takes (${limit} bytes: the smaller SDP max-message-size of the two ends).`,
      );
    }
    if (typeof encoded === "string") return "whole";
    if (this.serialization === "MsgPack") return encoded.byteLength <= MSGPACK_PIECE ? "whole" : "split";
    if (encoded.byteLength <= CHUNK_SIZE) return "whole";
    if (this.serialization === "binary" || this.remoteIsSharedpeer) return "chunked";
    return this.refuse(
      member,
      `Message of ${encoded.byteLength} bytes is too big for a ${this.serialization} connection to a peer that cannot reassemble it (limit ${CHUNK_SIZE}).`,
    );
  }

  private refuse(member: Member, message: string): "refused" {
    member.post(this.errorFrame(member.id, wireError("message-too-big", message)));
    return "refused";
  }

  private received(data: Uint8Array | string): void {
    if (this.state === "closed") return;
    this.lastReceivedAt = this.owner.clock.now();
    let frame: Decoded;
    try {
      frame = this.codec.decode(data);
    } catch (cause) {
      return this.fail("connection-closed", `Undecodable data from ${this.remoteId}: ${messageOf(cause)}`, cause);
    }
    if (frame.kind !== "many") return this.take(frame);
    for (const one of frame.frames) this.take(one);
    if (this.codec.unfinished?.()) this.watchChunks();
  }

  /** One decoded frame: data is delivered, a chunk reassembled, a close closes. */
  private take(frame: DecodedFrame): void {
    if (this.state === "closed") return;
    let value: unknown;
    try {
      if (frame.kind === "close") return this.close();
      if (frame.kind === "chunk") {
        const { messageId, total } = frame.chunk;
        const whole = this.reassembler.add(frame.chunk, this.owner.clock.now());
        if (!whole) {
          this.watchChunks();
          const so = this.reassembler.progressOf(messageId);
          if (so && so.chunks % RECEIVE_PROGRESS_EVERY === 0) this.reportReceived(messageId, so.bytes, total * CHUNK_SIZE, false);
          return;
        }
        this.reportReceived(messageId, whole.byteLength, whole.byteLength, true);
        value = this.codec.decodeAssembled(whole);
      } else {
        value = frame.value;
      }
    } catch (cause) {
      return this.fail("connection-closed", `Undecodable data from ${this.remoteId}: ${messageOf(cause)}`, cause);
    }
    this.deliver(value);
  }

  private watchChunks(): void {
    if (this.chunkTimer !== undefined) return;
    this.chunkTimer = this.owner.clock.setTimeout(() => {
      this.chunkTimer = undefined;
      const now = this.owner.clock.now();
      const expired = this.reassembler.expire(now);
      const stalled = this.codec.unfinished?.() === true;
      if (stalled && now - this.lastReceivedAt >= this.limits.idleTimeout) {
        this.fail("connection-closed", `A value from ${this.remoteId} stopped arriving: no data for ${this.limits.idleTimeout} ms.`);
      } else if (expired.length > 0) {
        this.fail(
          "connection-closed",
          `Message ${expired.join(", ")} from ${this.remoteId} stopped arriving: no chunk for ${this.limits.idleTimeout} ms.`,
        );
      } else if (this.reassembler.size > 0 || stalled) {
        this.watchChunks();
      }
    }, this.limits.idleTimeout / 2);
  }

  private reportReceived(id: number, bytes: number, total: number, done: boolean): void {
    const progress = { direction: "receive" as const, id, bytes, total: Math.max(bytes, total), done };
    for (const member of this.listeners()) member.post({ t: "conn-progress", member: member.id, ref: this.ref, progress });
  }

  private listeners(): Member[] {
    return this.members().filter((m) => this.listening.get(m.id) !== "off");
  }

  private deliver(data: unknown): void {
    const targets = this.listeners();
    targets.forEach((member, i) => {
      // The last recipient takes the buffer itself; the others get structured-clone copies.
      const transfer = i === targets.length - 1 && data instanceof ArrayBuffer ? [data] : undefined;
      member.post({ t: "conn-data", member: member.id, ref: this.ref, data }, transfer);
    });
  }

  private errorFrame(member: MemberId, error: WireError): ToTab {
    return { t: "conn-error", member, ref: this.ref, error };
  }

  private members(): Member[] {
    const out: Member[] = [];
    for (const id of this.listening.keys()) {
      const member = this.owner.members.get(id);
      if (member) out.push(member);
    }
    return out;
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
