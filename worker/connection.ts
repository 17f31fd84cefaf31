import { wireError } from "../contract/errors.js";
import type { MemberId } from "../contract/ids.js";
import type { WireSerialization } from "../contract/options.js";
import type { AnswerPayload, LeavePayload, OfferPayload } from "../contract/server-messages.js";
import type { ConnectionInfo } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { CHUNK_SIZE } from "./codec/chunker.js";
import type { ReassemblyLimits } from "./codec/reassembler.js";
import { codecFor, type Codec, type Encoded } from "./codec/serialization.js";
import { Link, type ChannelReport, type LinkOwner, type LinkSeed, type LinkState, type Role } from "./link.js";
import { fitsIn, maxMessageSize } from "./max-message-size.js";
import type { Member } from "./member.js";
import { ReceivePath } from "./receive-path.js";
import { MSGPACK_PIECE } from "./codec/msgpack.js";
import { SendQueue, type Admission } from "./send-queue.js";
import { BufferReport } from "./buffer-report.js";
import type { TabRecord } from "./tab.js";
import type { WireHello, WireResume, WireTag } from "../contract/wire-frames.js";
import { WIRE_TAG } from "../contract/wire-frames.js";
import { agreeWire, wireOffered, type WireAgreement } from "./wire-handshake.js";
import { frameBounds } from "./codec/frame-packer.js";
import { ackFrame, PING_FRAME } from "./codec/wire-frame.js";
import { Heartbeat, SILENT_AFTER_MS } from "./resume/heartbeat.js";
import type { Timer } from "./platform.js";

/** A connection whose channel went away must be open again within this, or it closes (README, "Resuming"). */
export const RESUME_WITHIN_MS = 10_000;
/** The remote's channel closed: its worker re-dials at once if it can (tens of ms); after this we stop waiting. */
export const REMOTE_BACK_WITHIN_MS = 1500;
/** A channel buffer this full drains only as the remote's transport acknowledges: SCTP sends unacknowledged no more than its window. */
const BACKLOG_BYTES = 256 * 1024;
/** Acknowledgements are sent this soon after a delivery, one for all that arrived meanwhile. */
const ACK_AFTER_MS = 20;

/**
 * Where a connection that resumes stands (README, "Resuming"): `live` on its channel; `redialing`: its
 * host tab went away and another tab offers a new leg; `answering`: the remote re-dialed and we answer;
 * `awaiting`: the remote's channel went away and its re-dial is due.
 */
type Phase = "live" | "redialing" | "answering" | "awaiting";

/**
 * With the wire extension, a top-level ArrayBuffer or view travels as its bytes: `binary` would
 * deliver exactly those bytes as an ArrayBuffer (protocol.md §3.6), `raw` sends them as they are.
 */
function bareBytes(serialization: WireSerialization, value: unknown): Uint8Array | undefined {
  if (serialization !== "binary" && serialization !== "raw") return undefined;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (!ArrayBuffer.isView(value)) return undefined;
  // BinaryPack sends a view's bytes only for typed arrays (they have BYTES_PER_ELEMENT); a DataView is an object to it.
  if (serialization === "binary" && !("BYTES_PER_ELEMENT" in value)) return undefined;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Which message tags each serialization can carry: json has no bare bytes, only raw has bare text. */
function tagsFor(serialization: WireSerialization): ReadonlySet<WireTag> {
  if (serialization === "raw") return new Set([WIRE_TAG.encoded, WIRE_TAG.text, WIRE_TAG.bytes]);
  if (serialization === "binary") return new Set([WIRE_TAG.encoded, WIRE_TAG.bytes]);
  return new Set([WIRE_TAG.encoded]);
}

/** Which members get `data`: undecided ones do until their tab says whether anyone listens. */
type Listening = "undecided" | "on" | "off";

/** What only a data connection is made of, beside its LinkSeed. */
export interface ConnectionSeed extends LinkSeed {
  readonly host: TabRecord;
  readonly label: string;
  readonly serialization: WireSerialization;
  readonly reliable: boolean;
  readonly limits: ReassemblyLimits;
  /** false: this peer never offers or accepts the wire extension. */
  readonly wireExtension: boolean;
}

/** One data connection: a Link with a send queue (backpressure) and a receive path (decode). */
export class Connection extends Link {
  readonly kind = "data";
  declare host: TabRecord;
  readonly label: string;
  readonly serialization: WireSerialization;
  readonly reliable: boolean;
  private readonly codec: Codec;
  private readonly queue: SendQueue;
  private readonly incoming: ReceivePath;
  private readonly listening = new Map<MemberId, Listening>();
  private readonly buffer: BufferReport;
  /** `a=max-message-size` of our SDP and of the remote's (RFC 8841); what raw messages must fit. */
  private readonly maxMessage = { local: Infinity, remote: Infinity };
  private readonly wireExtension: boolean;
  /** Set once the channel opens with the extension agreed: what both ends then speak. */
  private wire: WireAgreement | undefined;
  private config: RTCConfiguration = {};
  private phase: Phase = "live";
  /** Bounds the phase when it is not `live`. */
  private phaseTimer: Timer | undefined;
  /** What the remote said it delivered of ours, in the resume handshake: re-sent from there. */
  private remoteDelivered = 0;
  /** Our delivered count as last acknowledged, and the timer of the next acknowledgement. */
  private acked = 0;
  private ackTimer: Timer | undefined;
  /** The remote knows that this connection ends (it said so, or it is gone): no LEAVE for it. */
  private remoteTold = false;
  private readonly heartbeat: Heartbeat;
  /** The current channel's last drain report: bytes that had left its buffer, and bytes still in it. */
  private drained = { out: 0, buffered: 0 };
  private readonly maxPendingBytes: number;

  constructor(owner: LinkOwner, seed: ConnectionSeed) {
    super(owner, seed, "negotiating");
    ({ label: this.label, serialization: this.serialization, reliable: this.reliable } = seed);
    this.codec = codecFor(seed.serialization, seed.limits);
    this.wireExtension = seed.wireExtension;
    this.maxPendingBytes = seed.limits.maxPendingBytes;
    this.buffer = new BufferReport(
      seed.ref,
      () => this.queue.queued,
      () => (this.state === "closed" ? [] : this.members()),
    );
    this.queue = new SendQueue({
      clock: owner.clock,
      ref: seed.ref,
      link: this,
      encode: (value) => this.codec.encode(value),
      admit: (encoded, from) => this.admit(encoded, from.member),
      reportError: (member, error) => this.tell(member, error),
      closeNow: () => this.close(),
      queueChanged: () => this.buffer.soon(),
      bare: (value) => bareBytes(this.serialization, value),
      overflow: (bytes) =>
        this.fail(
          "connection-closed",
          `${bytes} bytes sent to ${this.remoteId} are not acknowledged yet, beyond limits.maxPendingBytes (${this.maxPendingBytes}).`,
        ),
    });
    this.incoming = new ReceivePath(this.codec, seed.limits, seed.remoteId, owner.clock, {
      deliver: (value) => this.deliver(value),
      progress: (progress) => {
        for (const member of this.listeners()) member.post({ t: "conn-progress", member: member.id, ref: this.ref, progress });
      },
      closed: () => this.close(),
      broken: (message, cause) => this.fail("connection-closed", message, cause),
      acked: (delivered) => this.queue.acked(delivered),
    });
    this.heartbeat = new Heartbeat({
      clock: owner.clock,
      sent: () => this.queue.activity,
      receiving: () => this.incoming.contentFrames,
      ping: () => this.queue.control(PING_FRAME),
      silent: () => {
        this.remoteTold = true;
        this.fail("connection-closed", `${this.remoteId} vanished: nothing came from it for ${SILENT_AFTER_MS / 1000} s.`);
      },
    });
  }

  /** Whether this connection can outlive its channel: both ends agreed on `resume`, and it is open. */
  get resumable(): boolean {
    return this.state === "open" && this.wire?.features.includes("resume") === true;
  }

  /** Asks the host tab for the RTCPeerConnection; `offer`: the remote's, when it placed the connection. */
  start(config: RTCConfiguration, offer?: RTCSessionDescriptionInit): void {
    this.config = config;
    if (offer) this.described("remote", offer);
    this.createLeg(offer);
  }

  /** Our host tab went away: `host`, another tab of ours, offers a new leg under the same connectionId. */
  redial(host: TabRecord): void {
    this.newLeg(host, "offerer", "redialing");
    this.owner.log(2, `connection ${this.connectionId}: its tab went away, resuming it from another tab`);
    this.createLeg(undefined);
  }

  /**
   * The remote re-dialed this connection (its OFFER carried `sharedpeerResume`); false when it
   * cannot resume here. When both ends re-dial at once, the smaller peer id's offer stands.
   */
  acceptResume(payload: OfferPayload, resume: WireResume): boolean {
    if (!this.resumable) return false;
    if (this.phase === "redialing" && (this.owner.id ?? "") < this.remoteId) return true;
    this.host.post({ t: "rtc-close", ref: this.leg });
    this.newLeg(this.host, "answerer", "answering");
    this.remoteDelivered = resume.delivered;
    this.described("remote", payload.sdp);
    this.createLeg(payload.sdp);
    return true;
  }

  override answered(payload: AnswerPayload): void {
    if (this.phase === "redialing") {
      if (!payload.sharedpeerResume) return this.fail("connection-closed", `${this.remoteId} did not take the connection back.`);
      this.remoteDelivered = payload.sharedpeerResume.delivered;
    }
    super.answered(payload);
  }

  override remoteLeft(reason: LeavePayload["reason"]): void {
    this.remoteTold = true;
    if (!this.resumable || (reason === "closed" && this.phase !== "redialing")) return this.close();
    const why =
      reason === "closed"
        ? `${this.remoteId} no longer has this connection.`
        : `The tab of ${this.remoteId} that hosted this connection closed, and no other tab of ${this.remoteId} could take it over.`;
    this.fail("connection-closed", why);
  }

  /** Ends it without a LEAVE of its own: the caller tells the remote (worker/leave-policy.ts). */
  failTold(message: string): void {
    this.remoteTold = true;
    this.fail("connection-closed", message);
  }

  info(): ConnectionInfo {
    const { ref, connectionId, remoteId, label, metadata, serialization, reliable } = this;
    return { ref, connectionId, remoteId, label, metadata, serialization, reliable, open: this.state === "open" };
  }

  override removeMember(member: MemberId): void {
    super.removeMember(member);
    this.listening.delete(member);
    this.buffer.forget(member);
  }

  setListening(member: MemberId, on: boolean): void {
    if (this.listening.has(member)) this.listening.set(member, on ? "on" : "off");
  }

  /** A value from a tab: encoded here, in the worker, and queued in arrival order. */
  send(member: Member, value: unknown, sendId: number): void {
    this.buffer.took(member.id);
    if (this.state !== "open") {
      const text = "Connection is not open. You should listen for the `open` event before sending messages.";
      return this.tell(member, wireError("not-open-yet", text));
    }
    this.queue.push(value, { member, sendId });
  }

  /** `flush`: the close travels behind everything queued, as peerjs's in-band close message. */
  requestClose(flush: boolean): void {
    if (this.state === "closed") return;
    if (!flush || this.state !== "open") return this.close();
    this.queue.pushClose(this.codec.closeFrame);
  }

  protected announce(member: Member, incoming: boolean): void {
    this.listening.set(member.id, "undecided");
    member.post({ t: "conn-added", member: member.id, conn: this.info(), incoming });
  }

  protected offerFields(): Partial<OfferPayload> {
    return { label: this.label, reliable: this.reliable, serialization: this.serialization };
  }

  /** The offerer always offers (when on); the answerer answers with it only when it agrees to the offer's. */
  protected override wireHello(): WireHello | undefined {
    const ours = wireOffered(this.wireExtension, this.serialization);
    if (this.role === "offerer") return ours;
    return agreeWire(ours, this.remoteWire) ? ours : undefined;
  }

  protected override opened(): void {
    if (this.wire) {
      this.useWire(this.wire);
      this.owner.log(3, `connection ${this.connectionId} speaks the sharedpeer wire extension, version ${this.wire.version}`);
    }
    this.queue.start();
  }

  /** The new leg's channel opened: what the remote has not delivered goes again, then the rest. */
  protected override reopened(): void {
    if (this.phase !== "redialing" && this.phase !== "answering") return;
    this.setPhase("live");
    if (this.wire) this.useWire(this.wire);
    this.queue.resend(this.remoteDelivered);
    this.queue.start();
    this.owner.log(2, `connection ${this.connectionId} resumed`);
    this.broadcast((member) => ({ t: "conn-resumed", member, ref: this.ref }));
  }

  /** The channel closed under a live connection that resumes: the remote's worker re-dials, if it can. */
  protected override legLost(): boolean {
    if (!this.resumable || this.phase !== "live") return false;
    this.queue.pause();
    this.heartbeat.stop();
    this.setPhase("awaiting", REMOTE_BACK_WITHIN_MS);
    return true;
  }

  protected override get watched(): boolean {
    return this.resumable;
  }

  protected override resumeField(): WireResume | undefined {
    return this.phase === "redialing" || this.phase === "answering" ? { delivered: this.incoming.delivered } : undefined;
  }

  protected override described(side: "local" | "remote", sdp: RTCSessionDescriptionInit): void {
    this.maxMessage[side] = maxMessageSize(sdp.sdp ?? "");
    // A resumed leg keeps what both ends agreed on the first.
    if (side !== "remote" || this.wire) return;
    // The remote's field came with its SDP: decided now, the receive path reads frames even before our channel reports open.
    this.wire = agreeWire(this.wireHello(), this.remoteWire);
    if (this.wire) this.incoming.useFrames(tagsFor(this.serialization), this.wire.features.includes("resume"));
  }

  protected override channelReport(report: ChannelReport): void {
    switch (report.t) {
      case "rtc-received": {
        this.heartbeat.heard();
        let at = 0;
        for (const size of report.sizes) {
          if (this.state === "closed") return;
          this.incoming.received(new Uint8Array(report.bytes, at, size));
          at += size;
        }
        return this.ackSoon();
      }
      case "rtc-received-text":
        return this.incoming.received(report.text);
      case "rtc-drained": {
        // A backlog in our channel's buffer went down: the remote's transport acknowledges what we
        // send, so it is there (a small send leaves the buffer at once, remote or not: not a sign).
        const out = report.accepted - report.buffered;
        if (out > this.drained.out && this.drained.buffered >= BACKLOG_BYTES) this.heartbeat.heard();
        this.drained = { out, buffered: report.buffered };
        return this.queue.drained(report.accepted, report.buffered);
      }
      default:
        return assertNever(report);
    }
  }

  protected override ended(was: LinkState): void {
    const told = this.remoteTold || !this.wire?.features.includes("resume") || was !== "open";
    this.setPhase("live");
    this.heartbeat.stop();
    this.owner.clock.clearTimeout(this.ackTimer);
    this.queue.clear();
    this.incoming.stop();
    // Its remote takes a lost channel for a tab that went away and waits for a re-dial: say it is over.
    if (!told) this.owner.signal({ type: "LEAVE", dst: this.remoteId, payload: { connectionId: this.connectionId, reason: "closed" } });
  }

  /** The extension's sizes for the current leg, which may differ from the last one's (another tab, another engine). */
  private useWire(wire: WireAgreement): void {
    const sequenced = wire.features.includes("resume");
    // Both SDPs are known by now: the channel cannot open before.
    this.queue.useFrames(
      frameBounds(Math.min(this.maxMessage.local, this.maxMessage.remote), sequenced),
      sequenced ? this.maxPendingBytes : undefined,
    );
    if (sequenced) this.heartbeat.start();
  }

  /** The host tab builds the RTCPeerConnection of the current leg; `offer`: the remote's, when it placed it. */
  private createLeg(offer: RTCSessionDescriptionInit | undefined): void {
    const { leg, ref, label, reliable, config } = this;
    this.host.post({ t: "rtc-create", ref: leg, conn: ref, config, label, reliable, ...(offer ? { offer } : {}) });
  }

  /** A new RTCPeerConnection replaces the current one, in `host`: nothing moves until its channel opens. */
  private newLeg(host: TabRecord, role: Role, phase: "redialing" | "answering"): void {
    const from = this.leg;
    this.leg = this.owner.newRef();
    this.owner.moveLeg(this, from);
    this.host = host;
    this.role = role;
    this.maxMessage.local = this.maxMessage.remote = Infinity;
    this.drained = { out: 0, buffered: 0 };
    this.queue.pause();
    this.heartbeat.stop();
    this.incoming.restart();
    this.setPhase(phase, RESUME_WITHIN_MS);
  }

  private setPhase(phase: Phase, within?: number): void {
    this.phase = phase;
    this.owner.clock.clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
    if (within === undefined) return;
    this.phaseTimer = this.owner.clock.setTimeout(() => {
      this.phaseTimer = undefined;
      const waited = `${within / 1000} s`;
      this.remoteTold = phase === "awaiting";
      this.fail(
        "connection-closed",
        phase === "awaiting"
          ? `${this.remoteId} went away and did not resume the connection within ${waited}.`
          : `Could not resume the connection with ${this.remoteId} within ${waited}.`,
      );
    }, within);
  }

  /** `resume`: tells the remote what was delivered, soon after it was, in one acknowledgement for all. */
  private ackSoon(): void {
    if (this.ackTimer !== undefined || this.incoming.delivered === this.acked) return;
    this.ackTimer = this.owner.clock.setTimeout(() => {
      this.ackTimer = undefined;
      this.acked = this.incoming.delivered;
      this.queue.control(ackFrame(this.acked));
    }, ACK_AFTER_MS);
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
    this.tell(member, wireError("message-too-big", message));
    return "refused";
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
}
