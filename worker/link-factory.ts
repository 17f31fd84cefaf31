import { wireError, type WireError } from "../contract/errors.js";
import type { ConnRef } from "../contract/ids.js";
import { offeredSerialization, type ConnectSettings, type PeerSettings } from "../contract/options.js";
import type { OfferPayload } from "../contract/server-messages.js";
import { reassemblyLimits } from "./codec/reassembler.js";
import { Connection } from "./connection.js";
import type { LinkOwner, LinkSeed, Role } from "./link.js";
import { MediaCall } from "./media-call.js";
import type { TabRecord } from "./tab.js";

/** A data connection or a media call: what a peer relays signalling to. */
export type PeerLink = Connection | MediaCall;

/** What building a link needs from its peer. */
export interface LinkContext extends LinkOwner {
  readonly settings: PeerSettings;
  newRef(): ConnRef;
  /** Registers a new link with the peer and the hub. */
  track(link: PeerLink): void;
  /** The tab that hosts an incoming data connection. */
  pickHost(): TabRecord | undefined;
}

/** A data connection, tracked, that no member sees yet. */
export function newConnection(ctx: LinkContext, remoteId: string, s: ConnectSettings, role: Role, host: TabRecord): Connection {
  const ref = ctx.newRef();
  const limits = reassemblyLimits(ctx.settings.limits);
  const wireExtension = ctx.settings.wireExtension ?? true;
  const conn = new Connection(ctx, { ...s, ref, remoteId, role, host, limits, wireExtension });
  ctx.track(conn);
  return conn;
}

/** A media call, tracked, that no member sees yet; `offer`: the remote's, for an incoming call. */
export function newCall(ctx: LinkContext, seed: Omit<LinkSeed, "ref">, offer?: RTCSessionDescriptionInit): MediaCall {
  const call = new MediaCall(ctx, { ...seed, ref: ctx.newRef() }, ctx.settings.config, offer);
  ctx.track(call);
  return call;
}

/**
 * A remote's OFFER, as a link every member sees as incoming: a call rings in every tab (the first
 * that answers hosts it), a data connection goes to the tab `pickHost` names. Returns why sharedpeer
 * cannot take it, if it cannot.
 */
export function acceptOffer(ctx: LinkContext, src: string, payload: OfferPayload): WireError | undefined {
  const { connectionId, metadata } = payload;
  let link: PeerLink;
  if (payload.type === "media") {
    link = newCall(ctx, { connectionId, remoteId: src, metadata, role: "answerer", host: undefined }, payload.sdp);
  } else {
    const serialization = offeredSerialization(payload.serialization);
    if (!serialization) {
      const name = String(payload.serialization);
      return wireError("negotiation-failed", `${src} offered a connection with serialization "${name}", which sharedpeer does not speak.`);
    }
    const host = ctx.pickHost();
    if (!host) return undefined;
    // peerjs's StreamConnection (MsgPack) is reliable whatever the offer says.
    const reliable = serialization === "MsgPack" || (payload.reliable ?? false);
    const settings = { connectionId, metadata, serialization, label: payload.label ?? connectionId, reliable };
    link = newConnection(ctx, src, settings, "answerer", host);
  }
  link.remoteIsSharedpeer = payload.sharedpeer !== undefined;
  link.remoteWire = payload.sharedpeerWire;
  for (const member of ctx.members.values()) link.addMember(member, true);
  if (link.kind === "data") link.start(ctx.settings.config, payload.sdp);
  return undefined;
}
