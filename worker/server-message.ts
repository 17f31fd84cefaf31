import { isRecord } from "../contract/guards.js";
import type { ServerMessage } from "../contract/server-messages.js";
import { readWireHello, readWireResume } from "./wire-handshake.js";

const isString = (v: unknown): v is string => typeof v === "string";

/**
 * Checks a frame from the PeerServer against the message catalogue (protocol.md §1.4).
 * Returns the message, or a reason when the frame is not one we can act on.
 */
export function parseServerMessage(frame: unknown): ServerMessage | string {
  if (!isString(frame)) return "a binary frame from the server";
  let data: unknown;
  try {
    data = JSON.parse(frame);
  } catch {
    return `invalid JSON from the server: ${frame.slice(0, 80)}`;
  }
  if (!isRecord(data) || !isString(data["type"])) return "a server frame without a type";
  const { type, src, payload } = data;
  switch (type) {
    case "OPEN":
    case "INVALID-KEY":
      return { type };
    case "ID-TAKEN":
    case "ERROR":
      return { type, payload: { msg: isRecord(payload) && isString(payload["msg"]) ? payload["msg"] : "" } };
    case "LEAVE":
      if (!isString(src)) return "LEAVE without src";
      if (!isRecord(payload) || !isString(payload["connectionId"])) return { type, src };
      return {
        type,
        src,
        payload: { connectionId: payload["connectionId"], ...(payload["reason"] === "closed" ? { reason: "closed" } : {}) },
      };
    case "EXPIRE":
      return isString(src) ? { type, src } : "EXPIRE without src";
    case "OFFER":
    case "ANSWER":
    case "CANDIDATE":
      return parseRelayed(type, src, payload);
    default:
      return `unknown server message type ${JSON.stringify(type).slice(0, 40)}`;
  }
}

function parseRelayed(type: "OFFER" | "ANSWER" | "CANDIDATE", src: unknown, payload: unknown): ServerMessage | string {
  if (!isString(src)) return `${type} without src`;
  if (!isRecord(payload)) return `${type} without payload`;
  const connectionId = payload["connectionId"];
  const kind = payload["type"];
  if (!isString(connectionId)) return `${type} without connectionId`;
  if (kind !== "data" && kind !== "media") return `${type} of unknown connection type`;
  if (type === "CANDIDATE") {
    const candidate = payload["candidate"];
    if (!isRecord(candidate)) return "CANDIDATE without candidate";
    return { type, src, payload: { type: kind, connectionId, candidate } };
  }
  const sdp = payload["sdp"];
  if (!isRecord(sdp) || !isString(sdp["sdp"]) || !isString(sdp["type"])) return `${type} without sdp`;
  const description = { type: sdp["type"] as RTCSdpType, sdp: sdp["sdp"] };
  const sharedpeer = typeof payload["sharedpeer"] === "number" ? payload["sharedpeer"] : undefined;
  const sharedpeerWire = readWireHello(payload["sharedpeerWire"]);
  const sharedpeerResume = readWireResume(payload["sharedpeerResume"]);
  const wire = { ...(sharedpeerWire ? { sharedpeerWire } : {}), ...(sharedpeerResume ? { sharedpeerResume } : {}) };
  if (type === "ANSWER") return { type, src, payload: { type: kind, connectionId, sdp: description, sharedpeer, ...wire } };
  return {
    type,
    src,
    payload: {
      type: kind,
      connectionId,
      sdp: description,
      metadata: payload["metadata"],
      label: isString(payload["label"]) ? payload["label"] : undefined,
      reliable: typeof payload["reliable"] === "boolean" ? payload["reliable"] : undefined,
      serialization: isString(payload["serialization"]) ? payload["serialization"] : undefined,
      sharedpeer,
      ...wire,
    },
  };
}
