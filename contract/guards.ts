/**
 * Type predicates for values that cross a boundary, shared by the worker (frame and call checks)
 * and the tab (what its port carries).
 */
import type { ConnRef } from "./ids.js";
import type { RtcCommand, ToTab } from "./tab-frames.js";

/** Anything with properties: what a frame or a settings object must be before its fields are read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isRef(value: unknown): value is ConnRef {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

const RTC_COMMANDS: { readonly [T in RtcCommand["t"]]: true } = {
  "rtc-create": true,
  "rtc-create-media": true,
  "rtc-remote-description": true,
  "rtc-remote-candidate": true,
  "rtc-send": true,
  "rtc-send-text": true,
  "rtc-close": true,
};

/** A frame for the tab's RTC host rather than for one of its Peer objects. */
export function isRtcCommand(frame: ToTab): frame is RtcCommand {
  return Object.hasOwn(RTC_COMMANDS, frame.t);
}
