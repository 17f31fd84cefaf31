import { wireError, type PeerErrorType, type WireError } from "../contract/errors.js";
import type { ConnRef, MemberId } from "../contract/ids.js";
import type { WireSerialization } from "../contract/options.js";
import type { ConnectionInfo, RtcReport, ToTab } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { SHAREDPEER_WIRE_VERSION, type ClientMessage, type OfferPayload } from "../contract/server-messages.js";
import { CHUNK_SIZE, chunkCount, frameChunks } from "./codec/chunker.js";
import { Reassembler, type ReassemblyLimits } from "./codec/reassembler.js";
import { codecFor, type Codec, type Encoded } from "./codec/serialization.js";
import type { Member } from "./member.js";
import type { TabRecord } from "./tab.js";

/** Bytes allowed between the worker and the far end of the channel before sends wait. */
const HIGH_WATER = 8 * 1024 * 1024;
/**
 * While more is queued, the host reports when its channel drains to this, early enough to refill it
 * before it runs dry; once the queue is empty, it reports at 0, which ends the last progress.
 */
const LOW_WATER = 2 * 1024 * 1024;
/** Bytes per rtc-send frame, so that one transfer stays small. */
const BATCH_BYTES = 1024 * 1024;
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
  signal(message: ClientMessage): void;
  forget(link: { readonly ref: ConnRef }): void;
  log(level: 1 | 2 | 3, ...args: unknown[]): void;
}

/** Who sent a message, so that its progress goes back to that tab's DataConnection. */
interface Sender {
  readonly member: Member;
  readonly sendId: number;
}

type Outgoing =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array; readonly from: Sender | undefined; messageId: number; next: number }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "close" }
  | { readonly kind: "pending"; readonly promise: Promise<Encoded>; readonly from: Sender };

/** A point in the send stream: once the channel has sent `end` bytes in all, `bytes` of a message are out. */
interface ProgressMark {
  readonly from: Sender;
  readonly end: number;
  readonly bytes: number;
  readonly total: number;
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
  private readonly outbox: Outgoing[] = [];
  private readonly listening = new Map<MemberId, Listening>();
  private readonly reassembler: Reassembler;
  private nextMessageId = 1;
  private posted = 0;
  private unsent = 0;
  private waitingForEncode = false;
  private readonly marks: ProgressMark[] = [];
  /** Runs while chunked messages are unfinished, to drop those whose chunks stopped coming. */
  private chunkTimer: ReturnType<typeof setTimeout> | undefined;
  /** Runs while ICE is `disconnected`; closes the connection unless ICE comes back first. */
  private lostTimer: ReturnType<typeof setTimeout> | undefined;

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
    this.codec = codecFor(serialization);
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
  }

  setListening(member: MemberId, on: boolean): void {
    if (this.listening.has(member)) this.listening.set(member, on ? "on" : "off");
  }

  handleReport(report: RtcReport): void {
    switch (report.t) {
      case "rtc-local-description":
        return this.sendDescription(report.sdp);
      case "rtc-local-candidate":
        return this.owner.signal({ type: "CANDIDATE", dst: this.remoteId, payload: { candidate: report.candidate, type: "data", connectionId: this.connectionId } });
      case "rtc-channel-open":
        return this.opened();
      case "rtc-channel-closed":
        return this.close();
      case "rtc-ice-state":
        return this.iceStateChanged(report.state);
      case "rtc-received":
        return this.received(report.data);
      case "rtc-drained":
        this.unsent = this.posted - report.accepted + report.buffered;
        this.reportSent(report.accepted - report.buffered);
        return this.pump();
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
    this.host.post({ t: "rtc-remote-description", ref: this.ref, sdp });
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
    if (this.state !== "open") {
      member.post(this.errorFrame(member.id, wireError("not-open-yet", "Connection is not open. You should listen for the `open` event before sending messages.")));
      return;
    }
    let encoded: Encoded | Promise<Encoded>;
    try {
      encoded = this.codec.encode(value);
    } catch (cause) {
      member.post(this.errorFrame(member.id, wireError("socket-error", messageOf(cause), cause)));
      return;
    }
    const from = { member, sendId };
    const item = encoded instanceof Promise ? { kind: "pending" as const, promise: encoded, from } : this.toOutgoing(encoded, from);
    if (!item) return;
    this.outbox.push(item);
    this.pump();
  }

  /** `flush`: the close travels behind everything queued, as peerjs's in-band close message. */
  requestClose(flush: boolean): void {
    if (this.state === "closed") return;
    if (!flush || this.state !== "open") return this.close();
    this.outbox.push({ kind: "close" });
    this.pump();
  }

  close(error?: WireError): void {
    if (this.state === "closed") return;
    const wasOpen = this.state === "open";
    this.state = "closed";
    this.outbox.length = 0;
    this.reassembler.clear();
    clearTimeout(this.chunkTimer);
    clearTimeout(this.lostTimer);
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
    this.pump();
  }

  private iceStateChanged(state: RTCIceConnectionState): void {
    for (const member of this.members()) member.post({ t: "conn-ice-state", member: member.id, ref: this.ref, state });
    if (state !== "disconnected") {
      clearTimeout(this.lostTimer);
      this.lostTimer = undefined;
    } else if (this.lostTimer === undefined) {
      this.lostTimer = setTimeout(() => {
        this.lostTimer = undefined;
        this.fail("connection-closed", `Lost the connection to ${this.remoteId}: ICE stayed disconnected for ${LOST_AFTER_MS / 1000} s.`);
      }, LOST_AFTER_MS);
    }
    if (state === "failed") this.fail("negotiation-failed", `Negotiation of connection to ${this.remoteId} failed.`);
    else if (state === "closed") this.fail("connection-closed", `Connection to ${this.remoteId} closed.`);
  }

  /** The queue item for an encoded message, or undefined (and an error to `member`) when it cannot go. */
  private toOutgoing(encoded: Encoded, from: Sender): Outgoing | undefined {
    const member = from.member;
    if (typeof encoded === "string") return { kind: "text", text: encoded };
    if (encoded.byteLength > CHUNK_SIZE && this.serialization !== "binary" && !this.chunksNonBinary()) {
      const error = wireError("message-too-big", `Message of ${encoded.byteLength} bytes is too big for a ${this.serialization} connection to a peer that cannot reassemble it (limit ${CHUNK_SIZE}).`);
      member.post(this.errorFrame(member.id, error));
      return undefined;
    }
    return { kind: "bytes", bytes: encoded, from, messageId: 0, next: 0 };
  }

  /** json above the chunk size reaches a sharedpeer as chunks; raw has no framing at all. */
  private chunksNonBinary(): boolean {
    return this.serialization === "json" && this.remoteIsSharedpeer;
  }

  /** Moves queued messages to the host tab while the channel has room. */
  private pump(): void {
    if (this.state !== "open" || this.waitingForEncode) return;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flushBatch = () => {
      if (batch.length === 0) return;
      this.postBytes(batch, batchBytes);
      batch = [];
      batchBytes = 0;
    };
    while (this.outbox.length > 0 && this.unsent + batchBytes < HIGH_WATER) {
      const head = this.outbox[0] as Outgoing;
      if (head.kind === "pending") {
        flushBatch();
        this.awaitEncode(head.promise, head.from);
        return;
      }
      if (head.kind === "close") {
        flushBatch();
        this.outbox.shift();
        this.sendCloseFrame();
        continue;
      }
      if (head.kind === "text") {
        flushBatch();
        this.outbox.shift();
        this.host.post({ t: "rtc-send-text", ref: this.ref, text: head.text, lowWater: this.lowWater() });
        this.posted += head.text.length;
        this.unsent += head.text.length;
        continue;
      }
      if (head.bytes.byteLength <= CHUNK_SIZE || this.serialization === "raw") {
        this.outbox.shift();
        batch.push(head.bytes);
        batchBytes += head.bytes.byteLength;
        if (batchBytes >= BATCH_BYTES) flushBatch();
        continue;
      }
      flushBatch();
      this.postChunks(head);
    }
    flushBatch();
  }

  private postChunks(message: Extract<Outgoing, { kind: "bytes" }>): void {
    if (message.messageId === 0) message.messageId = this.nextMessageId++;
    const total = chunkCount(message.bytes.byteLength);
    const count = Math.ceil(BATCH_BYTES / CHUNK_SIZE);
    const frames = frameChunks(message.bytes, message.messageId, message.next, count);
    message.next += frames.sizes.length;
    if (message.next >= total) this.outbox.shift();
    this.host.post({ t: "rtc-send", ref: this.ref, bytes: frames.bytes, sizes: frames.sizes, lowWater: this.lowWater() }, [frames.bytes]);
    this.posted += frames.bytes.byteLength;
    this.unsent += frames.bytes.byteLength;
    if (message.from) {
      const length = message.bytes.byteLength;
      this.marks.push({ from: message.from, end: this.posted, bytes: Math.min(length, message.next * CHUNK_SIZE), total: length });
    }
  }

  private lowWater(): number {
    return this.outbox.length === 0 ? 0 : LOW_WATER;
  }

  /** `sentOut`: bytes the channel has sent in all; every mark it passed becomes a progress event. */
  private reportSent(sentOut: number): void {
    while (this.marks.length > 0 && (this.marks[0] as ProgressMark).end <= sentOut) {
      const mark = this.marks.shift() as ProgressMark;
      const progress = { direction: "send" as const, id: mark.from.sendId, bytes: mark.bytes, total: mark.total, done: mark.bytes === mark.total };
      mark.from.member.post({ t: "conn-progress", member: mark.from.member.id, ref: this.ref, progress });
    }
  }

  private postBytes(messages: Uint8Array[], total: number): void {
    const out = new Uint8Array(total);
    let at = 0;
    for (const m of messages) {
      out.set(m, at);
      at += m.byteLength;
    }
    const sizes = messages.map((m) => m.byteLength);
    this.host.post({ t: "rtc-send", ref: this.ref, bytes: out.buffer, sizes, lowWater: this.lowWater() }, [out.buffer]);
    this.posted += total;
    this.unsent += total;
  }

  private awaitEncode(promise: Promise<Encoded>, from: Sender): void {
    this.waitingForEncode = true;
    promise.then(
      (encoded) => {
        this.waitingForEncode = false;
        if (this.state !== "open") return;
        const item = this.toOutgoing(encoded, from);
        if (item) this.outbox[0] = item;
        else this.outbox.shift();
        this.pump();
      },
      (cause: unknown) => {
        this.waitingForEncode = false;
        this.outbox.shift();
        from.member.post(this.errorFrame(from.member.id, wireError("socket-error", `Could not encode a message: ${messageOf(cause)}`, cause)));
        this.pump();
      },
    );
  }

  private sendCloseFrame(): void {
    const frame = this.codec.closeFrame;
    if (!frame) {
      // raw has no in-band close (peerjs sends "[object Object]"): close once the channel drained.
      this.close();
      return;
    }
    this.postBytes([frame], frame.byteLength);
  }

  private received(data: ArrayBuffer | string): void {
    if (this.state === "closed") return;
    let value: unknown;
    try {
      const frame = this.codec.decode(data);
      if (frame.kind === "close") return this.close();
      if (frame.kind === "chunk") {
        const { messageId, total } = frame.chunk;
        const whole = this.reassembler.add(frame.chunk, performance.now());
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
    this.chunkTimer = setTimeout(() => {
      this.chunkTimer = undefined;
      const expired = this.reassembler.expire(performance.now());
      if (expired.length > 0) {
        this.fail("connection-closed", `Message ${expired.join(", ")} from ${this.remoteId} stopped arriving: no chunk for ${this.limits.idleTimeout} ms.`);
      } else if (this.reassembler.size > 0) {
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
