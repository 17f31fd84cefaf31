/**
 * Checks the shape of a frame from a tab before the hub acts on it. A tab runs the same contract
 * as the worker, but an old tab after an upgrade, or a page that posts to the port itself, must
 * get a dropped frame, not a crashed worker.
 */
import { isRecord, isRef } from "../contract/guards.js";
import type { ToWorker } from "../contract/tab-frames.js";
import { isPlaneReport, type PlaneReport } from "../contract/plane-frames.js";

type Tag = ToWorker["t"];
type FrameOf<K extends Tag> = Extract<ToWorker, { t: K }>;
type Fields = Readonly<Record<string, unknown>>;
/** A check for every field of a frame but its tag; the frame comes along for fields that depend on others. */
type Spec<F> = { readonly [P in Exclude<keyof F, "t">]-?: (value: unknown, frame: Fields) => boolean };

const isString = (v: unknown) => typeof v === "string";
const isBoolean = (v: unknown) => typeof v === "boolean";
const isCount = (v: unknown) => Number.isFinite(v);
const anything = () => true;
/** Non-negative integer lengths that add up to the frame's bytes. */
const areSizes = (v: unknown, f: Fields) =>
  f["bytes"] instanceof ArrayBuffer &&
  Array.isArray(v) &&
  v.every((n) => Number.isInteger(n) && n >= 0) &&
  v.reduce((a: number, n: number) => a + n, 0) === f["bytes"].byteLength;

const withRef = { ref: isRef } as const;
const request = { member: isString, ref: isRef } as const;

/** Keyed by tag and by field: a new tag or field does not compile until it has its check. */
const SPECS: { readonly [K in Tag]: Spec<FrameOf<K>> } = {
  visibility: { visible: isBoolean },
  pong: {},
  bye: {},
  send: { ...request, value: anything, sendId: Number.isInteger },
  close: { ...request, flush: isBoolean },
  subscribe: { ...request, on: isBoolean },
  "rtc-local-description": { ...withRef, sdp: isRecord },
  "rtc-local-candidate": { ...withRef, candidate: isRecord },
  "rtc-channel-open": withRef,
  "rtc-channel-closed": withRef,
  "rtc-ice-state": { ...withRef, state: isString },
  "rtc-received": { ...withRef, bytes: (v) => v instanceof ArrayBuffer, sizes: areSizes },
  "rtc-received-text": { ...withRef, text: isString },
  "rtc-drained": { ...withRef, accepted: isCount, buffered: isCount },
  "rtc-failed": { ...withRef, message: isString },
  "channel-plane": { port: (v) => v instanceof MessagePort },
};

function isTag(tag: string): tag is Tag {
  return Object.hasOwn(SPECS, tag);
}

function conforms<K extends Tag>(frame: Fields, spec: Spec<FrameOf<K>>): frame is Fields & FrameOf<K> {
  return Object.entries<(value: unknown, frame: Fields) => boolean>(spec).every(([field, ok]) => ok(frame[field], frame));
}

/** A checked frame, or why it is not one. */
export type Checked<F> = { readonly frame: F } | { readonly problem: string };

/** The frame as a ToWorker frame, or why it is not one. */
export function readFrame(frame: unknown): Checked<ToWorker> {
  if (!isRecord(frame)) return { problem: "not an object" };
  const tag = frame["t"];
  if (typeof tag !== "string") return { problem: "no tag" };
  if (!isTag(tag)) return { problem: `unknown tag ${tag.slice(0, 40)}` };
  return conforms(frame, SPECS[tag]) ? { frame } : { problem: `malformed ${tag} frame` };
}

/** Returns why the frame is not a ToWorker frame, or undefined when it is one. */
export function checkFrame(frame: unknown): string | undefined {
  const read = readFrame(frame);
  return "problem" in read ? read.problem : undefined;
}

/** A frame from a channel plane: a ToWorker frame of the kinds a channel worker sends, or why not. */
export function readPlaneFrame(frame: unknown): Checked<PlaneReport> {
  const read = readFrame(frame);
  if ("problem" in read) return read;
  return isPlaneReport(read.frame) ? { frame: read.frame } : { problem: `${read.frame.t} is not a plane frame` };
}
