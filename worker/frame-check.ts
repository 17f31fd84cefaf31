/**
 * Checks the shape of a frame from a tab before the hub acts on it. A tab runs the same contract
 * as the worker, but an old tab after an upgrade, or a page that posts to the port itself, must
 * get a dropped frame, not a crashed worker.
 */
type Check = (frame: Record<string, unknown>) => boolean;

const isRef = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
const isString = (v: unknown) => typeof v === "string";
const isObject = (v: unknown) => typeof v === "object" && v !== null;
/** Non-negative integer lengths that add up to `total`. */
const areSizes = (v: unknown, total: number) =>
  Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0) && v.reduce((a: number, n: number) => a + n, 0) === total;
const withRef =
  (extra: Check = () => true): Check =>
  (f) =>
    isRef(f["ref"]) && extra(f);
const memberRef =
  (extra: Check = () => true): Check =>
  (f) =>
    isString(f["member"]) && withRef(extra)(f);

const CHECKS: Record<string, Check> = {
  visibility: (f) => typeof f["visible"] === "boolean",
  pong: () => true,
  bye: () => true,
  send: memberRef((f) => Number.isInteger(f["sendId"])),
  close: memberRef((f) => typeof f["flush"] === "boolean"),
  subscribe: memberRef((f) => typeof f["on"] === "boolean"),
  "rtc-local-description": withRef((f) => isObject(f["sdp"])),
  "rtc-local-candidate": withRef((f) => isObject(f["candidate"])),
  "rtc-channel-open": withRef(),
  "rtc-channel-closed": withRef(),
  "rtc-ice-state": withRef((f) => isString(f["state"])),
  "rtc-received": withRef((f) => f["bytes"] instanceof ArrayBuffer && areSizes(f["sizes"], (f["bytes"] as ArrayBuffer).byteLength)),
  "rtc-received-text": withRef((f) => isString(f["text"])),
  "rtc-drained": withRef((f) => Number.isFinite(f["accepted"]) && Number.isFinite(f["buffered"])),
  "rtc-failed": withRef((f) => isString(f["message"])),
};

/** Returns why the frame is not a ToWorker frame, or undefined when it is one. */
export function checkFrame(frame: unknown): string | undefined {
  if (!isObject(frame)) return "not an object";
  const record = frame as Record<string, unknown>;
  const tag = record["t"];
  if (!isString(tag)) return "no tag";
  const check = Object.hasOwn(CHECKS, tag as string) ? CHECKS[tag as string] : undefined;
  if (!check) return `unknown tag ${String(tag).slice(0, 40)}`;
  return check(record) ? undefined : `malformed ${String(tag)} frame`;
}
