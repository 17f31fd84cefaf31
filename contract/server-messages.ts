/** PeerServer frames (protocol.md §1.4, §2.2–§2.5, §2.7). */
import type { WireHello, WireResume } from "./wire-frames.js";

/** Marks sharedpeer in OFFER/ANSWER payloads (`sharedpeer: 1`); official peers ignore unknown fields. */
export const SHAREDPEER_WIRE_VERSION = 1;

export interface OfferPayload {
  readonly sdp: RTCSessionDescriptionInit;
  readonly type: "data" | "media";
  readonly connectionId: string;
  readonly metadata?: unknown;
  readonly label?: string;
  readonly reliable?: boolean;
  readonly serialization?: string;
  /** Set by sharedpeer only; official peers ignore unknown fields. */
  readonly sharedpeer?: number;
  /** The wire extension this sharedpeer offers (§2.7); absent when it speaks only peerjs's wire. */
  readonly sharedpeerWire?: WireHello;
  /** Present when this OFFER resumes a connection under its connectionId (§2.8). */
  readonly sharedpeerResume?: WireResume;
}

export interface AnswerPayload {
  readonly sdp: RTCSessionDescriptionInit;
  readonly type: "data" | "media";
  readonly connectionId: string;
  readonly sharedpeer?: number;
  /** Present only when the answerer agrees to the extension the OFFER carried (§2.7). */
  readonly sharedpeerWire?: WireHello;
  /** Present when the answerer takes the OFFER as resuming the connection (§2.8). */
  readonly sharedpeerResume?: WireResume;
}

export interface CandidatePayload {
  readonly candidate: RTCIceCandidateInit;
  readonly type: "data" | "media";
  readonly connectionId: string;
}

/**
 * sharedpeer's notice that one connection ended (§2.5, §2.8): without `reason`, the tab hosting it
 * died and no other tab took it over; `closed`: an end closed it (a connection that resumes says so,
 * since its remote takes a lost channel for a tab that went away).
 */
export interface LeavePayload {
  readonly connectionId: string;
  readonly reason?: "closed";
}

/** Server → client. */
export type ServerMessage =
  | { readonly type: "OPEN" }
  | { readonly type: "ID-TAKEN"; readonly payload?: { readonly msg?: string } }
  | { readonly type: "ERROR"; readonly payload?: { readonly msg?: string } }
  | { readonly type: "INVALID-KEY" }
  | { readonly type: "OFFER"; readonly src: string; readonly payload: OfferPayload }
  | { readonly type: "ANSWER"; readonly src: string; readonly payload: AnswerPayload }
  | { readonly type: "CANDIDATE"; readonly src: string; readonly payload: CandidatePayload }
  /** With a payload (sharedpeer only): that one connection is gone; without: every connection from src. */
  | { readonly type: "LEAVE"; readonly src: string; readonly payload?: LeavePayload }
  | { readonly type: "EXPIRE"; readonly src: string };

/** Client → server. */
export type ClientMessage =
  | { readonly type: "HEARTBEAT" }
  | { readonly type: "OFFER"; readonly dst: string; readonly payload: OfferPayload }
  | { readonly type: "ANSWER"; readonly dst: string; readonly payload: AnswerPayload }
  | { readonly type: "CANDIDATE"; readonly dst: string; readonly payload: CandidatePayload }
  | { readonly type: "LEAVE"; readonly dst: string; readonly payload?: LeavePayload };
