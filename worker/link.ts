import { wireError, type PeerErrorType, type WireError } from "../contract/errors.js";
import type { ConnRef, MemberId } from "../contract/ids.js";
import {
  SHAREDPEER_WIRE_VERSION,
  type AnswerPayload,
  type ClientMessage,
  type LeavePayload,
  type OfferPayload,
} from "../contract/server-messages.js";
import type { RtcReport, ToTab } from "../contract/tab-frames.js";
import type { WireHello, WireResume } from "../contract/wire-frames.js";
import { assertNever } from "../contract/assert-never.js";
import type { Member } from "./member.js";
import type { Clock, Timer } from "./platform.js";
import type { TabRecord } from "./tab.js";

/**
 * A remote that vanishes without a word (its browser killed, its network gone) never closes the
 * channel, and Chromium never moves iceConnectionState to `failed`: measured, ICE turns
 * `disconnected` ~5 s after the last packet, connectionState `failed` 10 s later, and the channel
 * stays open for good. So a link `disconnected` this long is closed, as that verdict, instead
 * of lingering (peers/peerjs#769).
 */
export const LOST_AFTER_MS = 10_000;

/** `ringing`: an incoming call nobody answered yet (data connections never ring). */
export type LinkState = "ringing" | "negotiating" | "open" | "closed";
export type Role = "offerer" | "answerer";

/** What a link needs from its peer: signalling and bookkeeping. */
export interface LinkOwner {
  readonly members: ReadonlyMap<MemberId, Member>;
  readonly clock: Clock;
  /** Our peer id (glare between two resuming ends is settled by it). */
  readonly id: string | null;
  signal(message: ClientMessage): void;
  forget(link: Link): void;
  /** A ref for a new RTCPeerConnection of `link` (a resumed connection's next leg). */
  newRef(): ConnRef;
  /** `link`'s RTC reports come under `link.leg` from now on, no longer under `from`. */
  moveLeg(link: Link, from: ConnRef): void;
  log(level: 1 | 2 | 3, ...args: unknown[]): void;
}

/** Who a link is, the same for data and media. */
export interface LinkSeed {
  readonly ref: ConnRef;
  readonly connectionId: string;
  readonly remoteId: string;
  readonly metadata: unknown;
  readonly role: Role;
  /** The tab that owns the RTCPeerConnection; none yet for a call nobody answered. */
  readonly host: TabRecord | undefined;
}

/** Channel reports only a data connection acts on. */
export type ChannelReport = Extract<RtcReport, { t: "rtc-received" | "rtc-received-text" | "rtc-drained" }>;

/**
 * What every data connection and media call has: its members, its role in the OFFER/ANSWER
 * exchange and the relay of SDP and candidates (exactly peerjs 1.5.5's payloads plus our
 * marker, docs/protocol.md §2.2–§2.4 and §2.6), the ICE watchdog, and one way to end. Data and media add only what differs.
 */
export abstract class Link {
  abstract readonly kind: "data" | "media";
  state: LinkState;
  host: TabRecord | undefined;
  /** The remote is a sharedpeer: it understands our LEAVE with a payload, large json, a top-level undefined. */
  remoteIsSharedpeer = false;
  /** The remote's `sharedpeerWire` (its OFFER's, or its ANSWER's): what the wire extension may use. */
  remoteWire: WireHello | undefined;
  /** The link, as its tabs know it. */
  readonly ref: ConnRef;
  /**
   * Its RTCPeerConnection in the host tab: `ref` at first, a new one each time a data connection
   * resumes (README, "Resuming"), so that reports of an old one are never taken for the new one's.
   */
  leg: ConnRef;
  readonly connectionId: string;
  readonly remoteId: string;
  readonly metadata: unknown;
  /** In the OFFER/ANSWER exchange of the current leg. */
  role: Role;
  private readonly memberIds = new Set<MemberId>();
  /** Candidates that arrive before there is a host: handed to it once there is one. */
  private readonly early: RTCIceCandidateInit[] = [];
  /** Runs while ICE is `disconnected`; closes the link unless ICE comes back first. */
  private lostTimer: Timer | undefined;

  constructor(
    protected readonly owner: LinkOwner,
    seed: LinkSeed,
    state: LinkState,
  ) {
    ({ ref: this.ref, connectionId: this.connectionId, remoteId: this.remoteId, metadata: this.metadata, role: this.role } = seed);
    this.leg = seed.ref;
    this.host = seed.host;
    this.state = state;
  }

  /** Still negotiating: an EXPIRE for its remote means it will never open. */
  get pending(): boolean {
    return this.state === "ringing" || this.state === "negotiating";
  }

  /** A member starts to see this link. */
  addMember(member: Member, incoming: boolean): void {
    this.memberIds.add(member.id);
    this.announce(member, incoming);
  }

  removeMember(member: MemberId): void {
    this.memberIds.delete(member);
  }

  /** The remote's ANSWER. */
  answered(payload: AnswerPayload): void {
    this.remoteIsSharedpeer = payload.sharedpeer !== undefined;
    this.remoteWire = payload.sharedpeerWire;
    this.described?.("remote", payload.sdp);
    this.host?.post({ t: "rtc-remote-description", ref: this.leg, sdp: payload.sdp });
  }

  remoteCandidate(candidate: RTCIceCandidateInit): void {
    if (this.host) this.host.post({ t: "rtc-remote-candidate", ref: this.leg, candidate });
    else this.early.push(candidate);
  }

  /** The remote's LEAVE for this link (`reason` as it sent it): closed, as today, unless a kind knows better. */
  remoteLeft(reason: LeavePayload["reason"]): void {
    void reason;
    this.close();
  }

  /** A report from the host tab's RTC objects. */
  handleReport(report: RtcReport): void {
    switch (report.t) {
      case "rtc-local-description":
        this.described?.("local", report.sdp);
        return this.sendDescription(report.sdp);
      case "rtc-local-candidate": {
        const payload = { candidate: report.candidate, type: this.kind, connectionId: this.connectionId };
        return this.owner.signal({ type: "CANDIDATE", dst: this.remoteId, payload });
      }
      case "rtc-channel-open":
        // For a call, the companion channel: peerjs closes the call at the far end when it closes.
        if (this.state === "open") return this.reopened?.();
        if (this.state !== "negotiating") return;
        this.state = "open";
        this.broadcast((member) => ({ t: "conn-open", member, ref: this.ref }));
        return this.opened?.();
      case "rtc-channel-closed":
        if (this.legLost?.() === true) return;
        return this.close();
      case "rtc-ice-state":
        return this.iceStateChanged(report.state);
      case "rtc-received":
      case "rtc-received-text":
      case "rtc-drained":
        return this.channelReport?.(report);
      case "rtc-failed":
        return this.fail("webrtc", report.message);
      default:
        return assertNever(report);
    }
  }

  close(error?: WireError): void {
    if (this.state === "closed") return;
    const was = this.state;
    this.state = "closed";
    this.owner.clock.clearTimeout(this.lostTimer);
    this.ended?.(was);
    this.host?.post({ t: "rtc-close", ref: this.leg });
    for (const member of this.members()) {
      if (error) this.tell(member, error);
      member.post({ t: "conn-closed", member: member.id, ref: this.ref });
    }
    this.owner.log(3, `${this.name} closed${was === "open" ? "" : " before it opened"}`);
    this.owner.forget(this);
  }

  fail(type: PeerErrorType, message: string, cause?: unknown): void {
    this.owner.log(1, `${this.name}: ${message}`);
    this.close(wireError(type, message, cause));
  }

  /** The frame that tells a member of this link about it (`incoming`: the remote placed it). */
  protected abstract announce(member: Member, incoming: boolean): void;

  /** The OFFER fields only this kind has. */
  protected abstract offerFields(): Partial<OfferPayload>;

  /** The `sharedpeerWire` field this side puts in its OFFER or ANSWER (data connections only). */
  protected wireHello(): WireHello | undefined {
    return undefined;
  }

  /** The link just opened: every member was told. */
  protected opened?(): void;

  /** A new leg's channel opened on a link open already (a data connection that resumed). */
  protected reopened?(): void;

  /** The current leg's channel closed or its ICE failed; true: the kind carries on (it resumes). */
  protected legLost?(): boolean;

  /** A data connection that resumes watches its remote itself (heartbeat): no ICE timer then. */
  protected get watched(): boolean {
    return false;
  }

  /** The `sharedpeerResume` field of this leg's OFFER or ANSWER, when it resumes a connection. */
  protected resumeField?(): WireResume | undefined;

  /** Our SDP or the remote's is known (data connections read what it says about message sizes). */
  protected described?(side: "local" | "remote", sdp: RTCSessionDescriptionInit): void;

  /** Data arrived or drained (data connections only). */
  protected channelReport?(report: ChannelReport): void;

  /** The link ends (`was`: its state until now); its members are told next. */
  protected ended?(was: LinkState): void;

  /** The host tab is known now (a call was answered): it gets the candidates that came early. */
  protected setHost(host: TabRecord): void {
    this.host = host;
    for (const candidate of this.early.splice(0)) host.post({ t: "rtc-remote-candidate", ref: this.leg, candidate });
  }

  protected tell(member: Member, error: WireError): void {
    member.post({ t: "conn-error", member: member.id, ref: this.ref, error });
  }

  protected broadcast(frame: (member: MemberId) => ToTab): void {
    for (const member of this.members()) member.post(frame(member.id));
  }

  /** Members still attached to the peer, in the order they joined. */
  protected members(): Member[] {
    const out: Member[] = [];
    for (const id of this.memberIds) {
      const member = this.owner.members.get(id);
      if (member) out.push(member);
    }
    return out;
  }

  private get noun(): "connection" | "call" {
    return this.kind === "data" ? "connection" : "call";
  }

  /** For logs: `connection dc_… with bob`. */
  private get name(): string {
    return `${this.noun} ${this.connectionId} with ${this.remoteId}`;
  }

  private sendDescription(sdp: RTCSessionDescriptionInit): void {
    const { remoteId: dst, connectionId, kind: type } = this;
    const hello = this.wireHello();
    const resume = this.resumeField?.();
    const wire = { ...(hello ? { sharedpeerWire: hello } : {}), ...(resume ? { sharedpeerResume: resume } : {}) };
    if (this.role === "answerer") {
      this.owner.signal({ type: "ANSWER", dst, payload: { sdp, type, connectionId, sharedpeer: SHAREDPEER_WIRE_VERSION, ...wire } });
      return;
    }
    const metadata = this.metadata === undefined ? {} : { metadata: this.metadata };
    const payload: OfferPayload = {
      sdp,
      type,
      connectionId,
      ...metadata,
      ...this.offerFields(),
      sharedpeer: SHAREDPEER_WIRE_VERSION,
      ...wire,
    };
    this.owner.signal({ type: "OFFER", dst, payload });
  }

  private iceStateChanged(state: RTCIceConnectionState): void {
    this.broadcast((member) => ({ t: "conn-ice-state", member, ref: this.ref, state }));
    if ((state === "failed" || state === "closed") && this.legLost?.() === true) return;
    if (this.watched) return;
    if (state !== "disconnected") {
      this.owner.clock.clearTimeout(this.lostTimer);
      this.lostTimer = undefined;
    } else if (this.lostTimer === undefined) {
      this.lostTimer = this.owner.clock.setTimeout(() => {
        this.lostTimer = undefined;
        this.fail("connection-closed", `Lost the connection to ${this.remoteId}: ICE stayed disconnected for ${LOST_AFTER_MS / 1000} s.`);
      }, LOST_AFTER_MS);
    }
    if (state === "failed") this.fail("negotiation-failed", `Negotiation of ${this.noun} to ${this.remoteId} failed.`);
    else if (state === "closed")
      this.fail("connection-closed", `${this.noun === "call" ? "Call" : "Connection"} to ${this.remoteId} closed.`);
  }
}
