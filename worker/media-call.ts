import { wireError, type PeerErrorType, type WireError } from "../contract/errors.js";
import type { ConnRef, MemberId } from "../contract/ids.js";
import type { RtcReport } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { SHAREDPEER_WIRE_VERSION } from "../contract/server-messages.js";
import type { ConnectionOwner, Role } from "./connection.js";
import type { Member } from "./member.js";
import type { TabRecord } from "./tab.js";

export type CallState = "ringing" | "negotiating" | "open" | "closed";

/**
 * One media call: signalling only. The RTCPeerConnection and its streams live in the host tab
 * (the caller's, or the first that answers); every attached tab has a MediaConnection for it.
 */
export class MediaCall {
  readonly kind = "media";
  state: CallState;
  host: TabRecord | undefined;
  remoteIsSharedpeer = false;
  private readonly members = new Set<MemberId>();
  /** Candidates that arrive before anyone answered: handed to the host once there is one. */
  private readonly early: RTCIceCandidateInit[] = [];

  constructor(
    private readonly owner: ConnectionOwner,
    private readonly config: RTCConfiguration,
    readonly ref: ConnRef,
    readonly connectionId: string,
    readonly remoteId: string,
    readonly metadata: unknown,
    readonly role: Role,
    private readonly offer: RTCSessionDescriptionInit | undefined,
    host: TabRecord | undefined,
  ) {
    this.host = host;
    this.state = role === "answerer" ? "ringing" : "negotiating";
    host?.post({ t: "rtc-create-media", ref, connectionId, config });
  }

  get pending(): boolean {
    return this.state === "ringing" || this.state === "negotiating";
  }

  addMember(member: Member, incoming: boolean): void {
    this.members.add(member.id);
    const { ref, connectionId, remoteId, metadata } = this;
    member.post({ t: "call-added", member: member.id, call: { ref, connectionId, remoteId, metadata }, incoming });
    if (this.host && this.role === "answerer") member.post({ t: "call-answered", member: member.id, ref, here: member.tab === this.host });
    if (this.state === "open") member.post({ t: "conn-open", member: member.id, ref });
  }

  removeMember(member: MemberId): void {
    this.members.delete(member);
  }

  /** The first tab to answer hosts the call; the others learn it was answered elsewhere. */
  answer(by: Member): void {
    if (this.state !== "ringing") {
      by.post({
        t: "conn-error",
        member: by.id,
        ref: this.ref,
        error: wireError("webrtc", "This call was answered already, or has ended."),
      });
      return;
    }
    const host = by.tab;
    this.host = host;
    this.state = "negotiating";
    host.post({
      t: "rtc-create-media",
      ref: this.ref,
      connectionId: this.connectionId,
      config: this.config,
      ...(this.offer ? { offer: this.offer } : {}),
    });
    for (const candidate of this.early.splice(0)) host.post({ t: "rtc-remote-candidate", ref: this.ref, candidate });
    for (const member of this.each()) member.post({ t: "call-answered", member: member.id, ref: this.ref, here: member.tab === host });
  }

  remoteDescription(sdp: RTCSessionDescriptionInit): void {
    this.host?.post({ t: "rtc-remote-description", ref: this.ref, sdp });
  }

  remoteCandidate(candidate: RTCIceCandidateInit): void {
    if (this.host) this.host.post({ t: "rtc-remote-candidate", ref: this.ref, candidate });
    else this.early.push(candidate);
  }

  handleReport(report: RtcReport): void {
    const { remoteId: dst, connectionId } = this;
    switch (report.t) {
      case "rtc-local-description":
        // Exactly the payloads of peerjs 1.5.5 (protocol.md §2.2, §2.3).
        if (this.role === "offerer") {
          const metadata = this.metadata === undefined ? {} : { metadata: this.metadata };
          this.owner.signal({
            type: "OFFER",
            dst,
            payload: { sdp: report.sdp, type: "media", connectionId, ...metadata, sharedpeer: SHAREDPEER_WIRE_VERSION },
          });
        } else {
          this.owner.signal({
            type: "ANSWER",
            dst,
            payload: { sdp: report.sdp, type: "media", connectionId, sharedpeer: SHAREDPEER_WIRE_VERSION },
          });
        }
        return;
      case "rtc-local-candidate":
        return this.owner.signal({ type: "CANDIDATE", dst, payload: { candidate: report.candidate, type: "media", connectionId } });
      case "rtc-channel-open":
        // The auxiliary channel: peerjs closes the call at the far end when it closes.
        if (this.state !== "negotiating") return;
        this.state = "open";
        for (const member of this.each()) member.post({ t: "conn-open", member: member.id, ref: this.ref });
        return;
      case "rtc-channel-closed":
        return this.close();
      case "rtc-ice-state":
        for (const member of this.each()) member.post({ t: "conn-ice-state", member: member.id, ref: this.ref, state: report.state });
        if (report.state === "failed") this.fail("negotiation-failed", `Negotiation of the call with ${this.remoteId} failed.`);
        return;
      case "rtc-received":
      case "rtc-received-text":
      case "rtc-drained":
        return;
      case "rtc-failed":
        return this.fail("webrtc", report.message);
      default:
        return assertNever(report);
    }
  }

  close(error?: WireError): void {
    if (this.state === "closed") return;
    // Rejected before anyone answered: no channel exists to tell the caller, so say it through the
    // server where the caller understands it (an official peerjs caller just never connects).
    if (this.state === "ringing" && this.remoteIsSharedpeer) {
      this.owner.signal({ type: "LEAVE", dst: this.remoteId, payload: { connectionId: this.connectionId } });
    }
    this.state = "closed";
    this.host?.post({ t: "rtc-close", ref: this.ref });
    for (const member of this.each()) {
      if (error) member.post({ t: "conn-error", member: member.id, ref: this.ref, error });
      member.post({ t: "conn-closed", member: member.id, ref: this.ref });
    }
    this.owner.log(3, `call ${this.connectionId} with ${this.remoteId} closed`);
    this.owner.forget(this);
  }

  fail(type: PeerErrorType, message: string, cause?: unknown): void {
    this.owner.log(1, `call ${this.connectionId}: ${message}`);
    this.close(wireError(type, message, cause));
  }

  private each(): Member[] {
    const out: Member[] = [];
    for (const id of this.members) {
      const member = this.owner.members.get(id);
      if (member) out.push(member);
    }
    return out;
  }
}
