import { wireError } from "../contract/errors.js";
import type { OfferPayload } from "../contract/server-messages.js";
import { Link, type LinkOwner, type LinkSeed, type LinkState } from "./link.js";
import type { Member } from "./member.js";

/**
 * One media call: a Link that rings before anyone answers. The RTCPeerConnection and its streams
 * live in the host tab (the caller's, or the first that answers); every attached tab has a
 * MediaConnection for it.
 */
export class MediaCall extends Link {
  readonly kind = "media";

  constructor(
    owner: LinkOwner,
    seed: LinkSeed,
    private readonly config: RTCConfiguration,
    /** The remote's offer, for an incoming call: handed to the tab that answers. */
    private readonly offer: RTCSessionDescriptionInit | undefined,
  ) {
    super(owner, seed, seed.role === "answerer" ? "ringing" : "negotiating");
    seed.host?.post({ t: "rtc-create-media", ref: seed.ref, connectionId: seed.connectionId, config });
  }

  /** The first tab to answer hosts the call; the others learn it was answered elsewhere. */
  answer(by: Member): void {
    if (this.state !== "ringing") return this.tell(by, wireError("webrtc", "This call was answered already, or has ended."));
    const host = by.tab;
    this.state = "negotiating";
    const offer = this.offer ? { offer: this.offer } : {};
    host.post({ t: "rtc-create-media", ref: this.ref, connectionId: this.connectionId, config: this.config, ...offer });
    this.setHost(host);
    for (const member of this.members()) member.post({ t: "call-answered", member: member.id, ref: this.ref, here: member.tab === host });
  }

  protected announce(member: Member, incoming: boolean): void {
    const { ref, connectionId, remoteId, metadata } = this;
    member.post({ t: "call-added", member: member.id, call: { ref, connectionId, remoteId, metadata }, incoming });
    if (this.host && this.role === "answerer") member.post({ t: "call-answered", member: member.id, ref, here: member.tab === this.host });
    if (this.state === "open") member.post({ t: "conn-open", member: member.id, ref });
  }

  protected offerFields(): Partial<OfferPayload> {
    return {};
  }

  /**
   * Rejected before anyone answered: no channel exists to tell the caller, so say it through the
   * server where the caller understands it (an official peerjs caller just never connects).
   */
  protected override ended(was: LinkState): void {
    if (was === "ringing" && this.remoteIsSharedpeer) {
      this.owner.signal({ type: "LEAVE", dst: this.remoteId, payload: { connectionId: this.connectionId } });
    }
  }
}
