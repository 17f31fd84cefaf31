import { describe, expect, test } from "vitest";
import { connectProblem, settingsProblem } from "../../worker/call-check.js";
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
});
