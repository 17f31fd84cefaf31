/**
 * Checks the arguments of control calls (Comlink) before the hub acts on them, as frame-check.ts
 * does for frames: a page that reaches the worker with made-up arguments gets a TypeError back,
 * and no peer is built from half a configuration.
 */
import type { ConnectSettings, PeerSettings } from "../contract/options.js";

const SERIALIZATIONS = new Set(["binary", "json", "raw", "MsgPack"]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isCount = (v: unknown, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
const isPositive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

/** Why `settings` is not PeerSettings, or undefined when it is. */
export function settingsProblem(settings: unknown): string | undefined {
  if (!isObject(settings)) return "settings are not an object";
  const s = settings;
  if (!isText(s["host"])) return "host is not a non-empty string";
  if (!isCount(s["port"], 65535) || s["port"] === 0) return "port is not a port number";
  if (typeof s["path"] !== "string" || !s["path"].startsWith("/")) return "path does not start with /";
  if (typeof s["secure"] !== "boolean" || typeof s["share"] !== "boolean") return "secure and share must be booleans";
  if (!isText(s["key"]) || !isText(s["token"])) return "key and token must be non-empty strings";
  if (!isPositive(s["pingInterval"])) return "pingInterval is not a positive number";
  if (typeof s["referrerPolicy"] !== "string") return "referrerPolicy is not a string";
  if (!isObject(s["config"])) return "config is not an RTCConfiguration object";
  if (!isCount(s["debug"], 3)) return "debug is not 0 to 3";
  const limits = s["limits"];
  if (
    !isObject(limits) ||
    !isPositive(limits["maxMessageBytes"]) ||
    !isPositive(limits["maxPendingBytes"]) ||
    !isPositive(limits["chunkTimeout"])
  ) {
    return "limits need positive maxMessageBytes, maxPendingBytes and chunkTimeout";
  }
  return undefined;
}

/** Why `settings` is not ConnectSettings, or undefined when it is. */
export function connectProblem(remoteId: unknown, settings: unknown): string | undefined {
  if (!isText(remoteId)) return "the remote id is not a non-empty string";
  if (!isObject(settings)) return "connect settings are not an object";
  if (!isText(settings["connectionId"]) || typeof settings["label"] !== "string") return "connectionId and label must be strings";
  if (!SERIALIZATIONS.has(settings["serialization"] as string)) return "serialization is not binary, json, raw or MsgPack";
  if (typeof settings["reliable"] !== "boolean") return "reliable is not a boolean";
  return undefined;
}

export function assertSettings(settings: unknown): asserts settings is PeerSettings {
  const problem = settingsProblem(settings);
  if (problem) throw new TypeError(`sharedpeer worker: ${problem}`);
}

export function assertConnect(remoteId: unknown, settings: unknown): asserts settings is ConnectSettings {
  const problem = connectProblem(remoteId, settings);
  if (problem) throw new TypeError(`sharedpeer worker: ${problem}`);
}
