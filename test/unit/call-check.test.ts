import { describe, expect, test } from "vitest";
import { MessageChannel } from "node:worker_threads";
import {
  assertCall,
  assertRef,
  assertTab,
  callProblem,
  connectProblem,
  refProblem,
  settingsProblem,
  tabProblem,
} from "../../worker/call-check.js";
import { resolveSettings } from "../../src/options.js";

const valid = resolveSettings({ host: "127.0.0.1", port: 9000, config: { iceServers: [] } }, undefined);

describe("control-call arguments the worker accepts", () => {
  test("settings resolved from any Peer options pass", () => {
    expect(settingsProblem(valid)).toBeUndefined();
    expect(settingsProblem(resolveSettings({}, undefined))).toBeUndefined();
    expect(settingsProblem(resolveSettings({ debug: true, path: "myapp", limits: { chunkTimeout: 5 } }, undefined))).toBeUndefined();
  });

  test.each([
    ["not an object", null, /not an object/],
    ["an empty host", { ...valid, host: "" }, /host/],
    ["port 0", { ...valid, port: 0 }, /port/],
    ["port 70000", { ...valid, port: 70000 }, /port/],
    ["a path without /", { ...valid, path: "peerjs" }, /path/],
    ["secure as text", { ...valid, secure: "yes" }, /booleans/],
    ["no token", { ...valid, token: "" }, /token/],
    ["a negative heartbeat", { ...valid, pingInterval: -1 }, /pingInterval/],
    ["config as a string", { ...valid, config: "stun:x" }, /config/],
    ["debug 7", { ...valid, debug: 7 }, /debug/],
    ["limits missing", { ...valid, limits: undefined }, /limits/],
    ["a zero chunk timeout", { ...valid, limits: { ...valid.limits, chunkTimeout: 0 } }, /limits/],
  ])("settings with %s are refused with a reason", (_, settings, reason) => {
    expect(settingsProblem(settings)).toMatch(reason);
  });

  test("connect arguments: the real shape passes, broken ones say what is wrong", () => {
    const ok = { connectionId: "dc_1", label: "dc_1", metadata: undefined, serialization: "binary", reliable: true };
    expect(connectProblem("bob", ok)).toBeUndefined();
    expect(connectProblem("", ok)).toMatch(/remote id/);
    expect(connectProblem("bob", { ...ok, serialization: "msgpack" })).toMatch(/serialization/);
    expect(connectProblem("bob", { ...ok, reliable: 1 })).toMatch(/reliable/);
    expect(connectProblem("bob", { ...ok, connectionId: 5 })).toMatch(/connectionId/);
  });

  test("call arguments: a remote id and a connection id, both non-empty strings", () => {
    expect(callProblem("bob", "mc_1")).toBeUndefined();
    expect(callProblem("", "mc_1")).toBe("the remote id is not a non-empty string");
    expect(callProblem({ id: "bob" }, "mc_1")).toBe("the remote id is not a non-empty string");
    expect(callProblem("bob", 7)).toBe("the call's connectionId is not a non-empty string");
    expect(() => assertCall("bob", undefined)).toThrow(
      new TypeError("sharedpeer worker: the call's connectionId is not a non-empty string"),
    );
  });

  test("answer arguments: the call's ref is a positive integer", () => {
    expect(refProblem(3)).toBeUndefined();
    for (const ref of [0, -1, 1.5, "3", null, Number.NaN]) expect(refProblem(ref)).toBe("the connection ref is not a positive integer");
    expect(() => assertRef("3")).toThrow(new TypeError("sharedpeer worker: the connection ref is not a positive integer"));
  });

  test("registerTab arguments: a tab id, a MessagePort, a lock name and a boolean", () => {
    const { port1, port2 } = new MessageChannel();
    try {
      expect(tabProblem("tab_1", port1, "sharedpeer:tab_1", true)).toBeUndefined();
      expect(tabProblem("", port1, "lock", true)).toBe("the tab id is not a non-empty string");
      expect(tabProblem("tab_1", { postMessage() {} }, "lock", true)).toBe("the tab port is not a MessagePort");
      expect(tabProblem("tab_1", port1, null, true)).toBeUndefined();
      expect(tabProblem("tab_1", port1, "", true)).toBe("the tab lock name is neither a non-empty string nor null");
      expect(tabProblem("tab_1", port1, "lock", "yes")).toBe("visible is not a boolean");
      expect(() => assertTab("tab_1", undefined, "lock", true)).toThrow(
        new TypeError("sharedpeer worker: the tab port is not a MessagePort"),
      );
    } finally {
      port1.close();
      port2.close();
    }
  });
});
