import { wireError } from "../contract/errors.js";
import type { MemberId } from "../contract/ids.js";
import type { WireSerialization } from "../contract/options.js";
import type { OfferPayload } from "../contract/server-messages.js";
import type { ConnectionInfo } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { CHUNK_SIZE } from "./codec/chunker.js";
import type { ReassemblyLimits } from "./codec/reassembler.js";
import { codecFor, type Codec, type Encoded } from "./codec/serialization.js";
import { Link, type ChannelReport, type LinkOwner, type LinkSeed } from "./link.js";
import { fitsIn, maxMessageSize } from "./max-message-size.js";
import type { Member } from "./member.js";
import { ReceivePath } from "./receive-path.js";
import { MSGPACK_PIECE } from "./codec/msgpack.js";
import { SendQueue, type Admission } from "./send-queue.js";
import { BufferReport } from "./buffer-report.js";
import type { TabRecord } from "./tab.js";
import type { WireHello, WireTag } from "../contract/wire-frames.js";
import { WIRE_TAG } from "../contract/wire-frames.js";
import { agreeWire, wireOffered, type WireAgreement } from "./wire-handshake.js";
import { frameBounds } from "./codec/frame-packer.js";

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

  constructor(owner: LinkOwner, seed: ConnectionSeed) {
    super(owner, seed, "negotiating");
    ({ label: this.label, serialization: this.serialization, reliable: this.reliable } = seed);
    this.codec = codecFor(seed.serialization, seed.limits);
    this.wireExtension = seed.wireExtension;
    this.buffer = new BufferReport(
      seed.ref,
      () => this.queue.queued,
      () => (this.state === "closed" ? [] : this.members()),
    );
    this.queue = new SendQueue({
      ref: seed.ref,
      host: seed.host,
      encode: (value) => this.codec.encode(value),
      admit: (encoded, from) => this.admit(encoded, from.member),
      reportError: (member, error) => this.tell(member, error),
      closeNow: () => this.close(),
      queueChanged: () => this.buffer.soon(),
      bare: (value) => bareBytes(this.serialization, value),
    });
    this.incoming = new ReceivePath(this.codec, seed.limits, seed.remoteId, owner.clock, {
      deliver: (value) => this.deliver(value),
      progress: (progress) => {
        for (const member of this.listeners()) member.post({ t: "conn-progress", member: member.id, ref: this.ref, progress });
      },
      closed: () => this.close(),
      broken: (message, cause) => this.fail("connection-closed", message, cause),
    });
  }

  /** Asks the host tab for the RTCPeerConnection; `offer`: the remote's, when it placed the connection. */
  start(config: RTCConfiguration, offer?: RTCSessionDescriptionInit): void {
    if (offer) this.described("remote", offer);
    const { ref, label, reliable } = this;
    this.host.post({ t: "rtc-create", ref, config, label, reliable, ...(offer ? { offer } : {}) });
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
      // Both SDPs are known by now: the channel cannot open before.
      this.queue.useFrames(frameBounds(Math.min(this.maxMessage.local, this.maxMessage.remote)));
      this.owner.log(3, `connection ${this.connectionId} speaks the sharedpeer wire extension, version ${this.wire.version}`);
    }
    this.queue.start();
  }

  protected override described(side: "local" | "remote", sdp: RTCSessionDescriptionInit): void {
    this.maxMessage[side] = maxMessageSize(sdp.sdp ?? "");
    if (side !== "remote") return;
    // The remote's field came with its SDP: decided now, the receive path reads frames even before our channel reports open.
    this.wire = agreeWire(this.wireHello(), this.remoteWire);
    if (this.wire) this.incoming.useFrames(tagsFor(this.serialization));
  }

  protected override channelReport(report: ChannelReport): void {
    switch (report.t) {
      case "rtc-received": {
        let at = 0;
        for (const size of report.sizes) {
          if (this.state === "closed") return;
          this.incoming.received(new Uint8Array(report.bytes, at, size));
          at += size;
        }
        return;
      }
      case "rtc-received-text":
        return this.incoming.received(report.text);
      case "rtc-drained":
        return this.queue.drained(report.accepted, report.buffered);
      default:
        return assertNever(report);
    }
  }

  protected override ended(): void {
    this.queue.clear();
    this.incoming.stop();
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
