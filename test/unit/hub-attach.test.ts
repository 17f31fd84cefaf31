import { describe, expect, test } from "vitest";
import { transfer } from "comlink";
import type { MemberId, TabId } from "../../contract/ids.js";
import { HubHarness, useHubEnv } from "./support/hub-harness.js";
import { expectListed } from "./support/server-view.js";

const env = useHubEnv();

describe("attaching Peer objects to the hub", () => {
  test("two tabs asking for one id at one server share one peer and one socket", async () => {
    const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
    const ma = await a.attach("alice");
    const mb = await b.attach("alice");
    expect((await a.next("peer-open", (f) => f.member === ma)).id).toBe("alice");
    expect((await b.next("peer-open", (f) => f.member === mb)).id).toBe("alice");
    expect(await a.api.stats(ma)).toMatchObject({ peers: 1, tabs: 2, members: 2, sockets: 1, peerTabs: 2 });
    await expectListed(env.server, "alice", true);
  });

  test("another id, another key, or share: false each get a peer of their own", async () => {
    const tab = await env.harness.openTab();
    const first = await tab.attach("carol");
    await tab.next("peer-open", (f) => f.member === first);
    await tab.attach("dave");
    const unshared = await tab.attach("carol", { share: false });
    // Its own socket for an id the server has given to the first: the server refuses it.
    const refused = await tab.next("peer-error", (f) => f.member === unshared);
    expect(refused.error).toEqual({ type: "unavailable-id", message: 'ID "carol" is taken' });
    await tab.next("peer-closed", (f) => f.member === unshared);
    expect(await tab.api.stats(first)).toMatchObject({ peers: 2, members: 2, peerTabs: 1 });
  });

  test("the dedicated and inline hubs never share, even when asked to", async () => {
    for (const mode of ["dedicated", "inline"] as const) {
      const own = new HubHarness(env.server, mode);
      const tab = await own.openTab();
      const one = await tab.attach(`erin-${mode}`);
      await tab.attach(`erin-${mode}`);
      expect(await tab.api.stats(one)).toMatchObject({ peers: 2, members: 2 });
      own.close();
    }
  });

  test("without an id the server assigns one over HTTP", async () => {
    const tab = await env.harness.openTab();
    const member = await tab.attach(null);
    const { id } = await tab.next("peer-open", (f) => f.member === member);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expectListed(env.server, id, true);
  });

  test("detaching one member keeps the peer for the other; the last one ends it and its socket", async () => {
    const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
    const ma = await a.attach("frank");
    const mb = await b.attach("frank");
    await b.next("peer-open", (f) => f.member === mb);
    await a.api.detach(ma);
    expect(await b.api.stats(mb)).toMatchObject({ peers: 1, members: 1, peerTabs: 1 });
    await expectListed(env.server, "frank", true);
    await b.api.detach(mb);
    expect(await b.api.stats(mb)).toMatchObject({ peers: 0, members: 0, sockets: 0 });
    await expectListed(env.server, "frank", false);
  });

  test("a member attached after the peer opened learns it is open at once", async () => {
    const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
    const ma = await a.attach("grace");
    await a.next("peer-open", (f) => f.member === ma);
    const mb = await b.attach("grace");
    expect((await b.next("peer-open", (f) => f.member === mb)).id).toBe("grace");
  });
});

describe("control calls with bad arguments are refused with a TypeError that says why", () => {
  test("attach", async () => {
    const tab = await env.harness.openTab();
    const settings = env.harness.settings();
    const ghost = "tab_nobody" as TabId;
    await expect(tab.api.attach(ghost, "m" as MemberId, "x", settings)).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: "tab tab_nobody is not registered" }),
    );
    await expect(tab.api.attach(tab.id, "m" as MemberId, 42 as unknown as string, settings)).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: "the peer id is neither a string nor null" }),
    );
    await expect(tab.api.attach(tab.id, "m" as MemberId, "x", { ...settings, port: 0 })).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: "sharedpeer worker: port is not a port number" }),
    );
    await tab.api.attach(tab.id, "m" as MemberId, "x", settings);
    await expect(tab.api.attach(tab.id, "m" as MemberId, "y", settings)).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: "member m is attached already" }),
    );
    // Nothing half-built was left behind by the refused calls.
    expect(await tab.api.stats("m" as MemberId)).toMatchObject({ peers: 1, members: 1 });
  });

  test("registerTab twice", async () => {
    const tab = await env.harness.openTab();
    const { port2 } = new MessageChannel();
    await expect(tab.api.registerTab(tab.id, transfer(port2, [port2]), "lock", true)).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: `tab ${tab.id} is registered already` }),
    );
  });

  test("connect", async () => {
    const tab = await env.harness.openTab();
    const member = await tab.attach("heidi");
    const ok = { connectionId: "dc_1", label: "dc_1", metadata: undefined, serialization: "binary" as const, reliable: true };
    await expect(tab.api.connect(member, "", ok)).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: "sharedpeer worker: the remote id is not a non-empty string" }),
    );
    await expect(tab.api.connect(member, "bob", { ...ok, serialization: "protobuf" as "binary" })).rejects.toThrow(
      expect.objectContaining({ name: "TypeError", message: "sharedpeer worker: serialization is not binary, json, raw or MsgPack" }),
    );
  });

  test("a call for a member the hub does not know is a disconnected error", async () => {
    const tab = await env.harness.openTab();
    await expect(tab.api.reconnect("nobody" as MemberId)).rejects.toEqual({
      type: "disconnected",
      message: "This Peer is not attached to the worker any more.",
    });
  });
});
