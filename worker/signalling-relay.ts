import { wireError, type WireError } from "../contract/errors.js";
import type { OfferPayload } from "../contract/server-messages.js";
import { assertNever } from "../contract/assert-never.js";
import type { PeerLink } from "./link-factory.js";
import type { RelayedMessage } from "./server-session.js";

/** What relaying the server's messages needs from a peer. */
export interface RelayTarget {
  find(remoteId: string, connectionId: string): PeerLink | undefined;
  linksTo(remoteId: string): PeerLink[];
  /** A new OFFER, once any link it replaces is closed. */
  offered(src: string, payload: OfferPayload): void;
  /** An OFFER that resumes a connection this peer does not have (any more). */
  refuseResume(src: string, connectionId: string): void;
  emitError(error: WireError): void;
  log(level: 1 | 2 | 3, ...args: unknown[]): void;
}

/** One server message about another peer, handed to the link it concerns. */
export function relay(peer: RelayTarget, message: RelayedMessage): void {
  switch (message.type) {
    case "OFFER": {
      const { connectionId, sharedpeerResume } = message.payload;
      const existing = peer.find(message.src, connectionId);
      // A sharedpeer re-dialing a connection whose host tab went away (README, "Resuming").
      if (sharedpeerResume) {
        if (existing?.kind === "data" && existing.acceptResume(message.payload, sharedpeerResume)) return;
        existing?.close();
        return peer.refuseResume(message.src, connectionId);
      }
      if (existing) {
        peer.log(2, `offer for existing connection ${message.payload.connectionId}: closing the old one`);
        existing.close();
      }
      return peer.offered(message.src, message.payload);
    }
    case "ANSWER": {
      const link = peer.find(message.src, message.payload.connectionId);
      if (!link) return peer.log(2, `ANSWER for unknown connection ${message.payload.connectionId}`);
      return link.answered(message.payload);
    }
    case "CANDIDATE": {
      const link = peer.find(message.src, message.payload.connectionId);
      if (!link) return peer.log(2, `CANDIDATE for unknown connection ${message.payload.connectionId}`);
      return link.remoteCandidate(message.payload.candidate);
    }
    case "LEAVE": {
      const only = message.payload?.connectionId;
      peer.log(3, only ? `${message.src} lost connection ${only}` : `${message.src} left`);
      for (const link of peer.linksTo(message.src)) {
        if (!only) link.close();
        else if (link.connectionId === only) link.remoteLeft(message.payload?.reason);
      }
      return;
    }
    case "EXPIRE": {
      const error = wireError("peer-unavailable", `Could not connect to peer ${message.src}`);
      for (const link of peer.linksTo(message.src)) if (link.pending) link.close(error);
      return peer.emitError(error);
    }
    default:
      return assertNever(message);
  }
}
