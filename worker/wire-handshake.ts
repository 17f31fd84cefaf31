/**
 * The capability handshake of the wire extension (protocol.md §2.7): the OFFER carries our
 * `sharedpeerWire`, the ANSWER the answerer's, so agreeing costs no round trip. A connection uses
 * the extension only when both payloads carry it; otherwise its wire is peerjs's, byte for byte.
 */
import type { WireSerialization } from "../contract/options.js";
import { WIRE_EXTENSION_VERSION, type WireFeature, type WireHello, type WireResume } from "../contract/wire-frames.js";

/** What this build speaks. */
export const OUR_WIRE: WireHello = { version: WIRE_EXTENSION_VERSION, features: ["frames", "resume"] };

/** What an agreed connection uses: the lower version of the two and the features both have. */
export interface WireAgreement {
  readonly version: number;
  readonly features: readonly WireFeature[];
}

/**
 * Whether a connection offers or answers with the extension: on unless switched off, and not for
 * MsgPack, a stream that peerjs's own format already packs (values back to back, protocol.md §3.1).
 */
export function wireOffered(enabled: boolean, serialization: WireSerialization): WireHello | undefined {
  return enabled && serialization !== "MsgPack" ? OUR_WIRE : undefined;
}

/** The decision, the same at both ends: `ours` as sent (undefined: not sent), `theirs` as received. */
export function agreeWire(ours: WireHello | undefined, theirs: WireHello | undefined): WireAgreement | undefined {
  if (!ours || !theirs) return undefined;
  const features = ours.features.filter((f) => theirs.features.includes(f));
  if (!features.includes("frames")) return undefined;
  return { version: Math.min(ours.version, theirs.version), features };
}

/** The payload field as the server relayed it, or undefined when absent or not well formed. */
export function readWireHello(field: unknown): WireHello | undefined {
  if (typeof field !== "object" || field === null) return undefined;
  const { version, features } = field as Record<string, unknown>;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) return undefined;
  if (!Array.isArray(features)) return undefined;
  const known = features.filter((f): f is WireFeature => f === "frames" || f === "resume");
  return { version, features: known };
}

/** The `sharedpeerResume` field as relayed, or undefined when absent or not well formed. */
export function readWireResume(field: unknown): WireResume | undefined {
  if (typeof field !== "object" || field === null) return undefined;
  const { delivered } = field as Record<string, unknown>;
  return typeof delivered === "number" && Number.isSafeInteger(delivered) && delivered >= 0 ? { delivered } : undefined;
}
