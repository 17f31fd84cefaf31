/**
 * Checks the arguments of control calls (Comlink) before the hub acts on them, as frame-check.ts
 * does for frames: a page that reaches the worker with made-up arguments gets a TypeError back,
 * and no peer is built from half a configuration.
 */
import type { ConnRef, TabId } from "../contract/ids.js";
import { isRecord, isRef } from "../contract/guards.js";
import { isWireSerialization, type ConnectSettings, type PeerSettings } from "../contract/options.js";

const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isCount = (v: unknown, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
const isPositive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

/** Why `settings` is not PeerSettings, or undefined when it is. */
export function settingsProblem(settings: unknown): string | undefined {
  if (!isRecord(settings)) return "settings are not an object";
  const s = settings;
  if (!isText(s["host"])) return "host is not a non-empty string";
  if (!isCount(s["port"], 65535) || s["port"] === 0) return "port is not a port number";
  if (typeof s["path"] !== "string" || !s["path"].startsWith("/")) return "path does not start with /";
  if (typeof s["secure"] !== "boolean" || typeof s["share"] !== "boolean") return "secure and share must be booleans";
  if (!isText(s["key"]) || !isText(s["token"])) return "key and token must be non-empty strings";
  if (!isPositive(s["pingInterval"])) return "pingInterval is not a positive number";
  if (typeof s["referrerPolicy"] !== "string") return "referrerPolicy is not a string";
  if (!isRecord(s["config"])) return "config is not an RTCConfiguration object";
  if (!isCount(s["debug"], 3)) return "debug is not 0 to 3";
  const limits = s["limits"];
  if (
    !isRecord(limits) ||
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
  if (!isRecord(settings)) return "connect settings are not an object";
  if (!isText(settings["connectionId"]) || typeof settings["label"] !== "string") return "connectionId and label must be strings";
  if (!isWireSerialization(settings["serialization"])) return "serialization is not binary, json, raw or MsgPack";
  if (typeof settings["reliable"] !== "boolean") return "reliable is not a boolean";
  return undefined;
}

/** Why the arguments of `call` are not a remote id and a connection id, or undefined when they are. */
export function callProblem(remoteId: unknown, connectionId: unknown): string | undefined {
  if (!isText(remoteId)) return "the remote id is not a non-empty string";
  if (!isText(connectionId)) return "the call's connectionId is not a non-empty string";
  return undefined;
}

/** Why `ref` does not name a connection (a positive integer), or undefined when it does. */
export function refProblem(ref: unknown): string | undefined {
  return isRef(ref) ? undefined : "the connection ref is not a positive integer";
}

/** Why the arguments of `registerTab` are not a tab id, its port, its lock name and its visibility. */
export function tabProblem(tab: unknown, port: unknown, lock: unknown, visible: unknown): string | undefined {
  if (!isText(tab)) return "the tab id is not a non-empty string";
  if (typeof MessagePort === "undefined" || !(port instanceof MessagePort)) return "the tab port is not a MessagePort";
  // null: a tab without Web Locks (insecure contexts), which the worker must watch another way.
  if (lock !== null && !isText(lock)) return "the tab lock name is neither a non-empty string nor null";
  if (typeof visible !== "boolean") return "visible is not a boolean";
  return undefined;
}

export function assertSettings(settings: unknown): asserts settings is PeerSettings {
  assertNoProblem(settingsProblem(settings));
}

export function assertConnect(remoteId: unknown, settings: unknown): asserts settings is ConnectSettings {
  assertNoProblem(connectProblem(remoteId, settings));
}

export function assertCall(remoteId: unknown, connectionId: unknown): asserts remoteId is string {
  assertNoProblem(callProblem(remoteId, connectionId));
}

export function assertRef(ref: unknown): asserts ref is ConnRef {
  assertNoProblem(refProblem(ref));
}

export function assertTab(tab: unknown, port: unknown, lock: unknown, visible: unknown): asserts tab is TabId {
  assertNoProblem(tabProblem(tab, port, lock, visible));
}

function assertNoProblem(problem: string | undefined): void {
  if (problem) throw new TypeError(`sharedpeer worker: ${problem}`);
}
