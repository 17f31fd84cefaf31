/**
 * The Peer API as peerjs 1.5.5 has it (its unit and e2e Peer scenarios, protocol.md §4.2), run on
 * both libraries where they should agree, plus the 2013 API and sharedpeer's documented changes.
 */
import { afterAll, beforeAll, describe as suite, expect, test } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { WebSocket } from "ws";
import { startBrowserEnv, type BrowserEnv } from "../support/env.js";
import { idMaker } from "../support/seeded.js";

type Lib = "peerjs" | "sharedpeer";
const LIBS: Lib[] = ["peerjs", "sharedpeer"];

let env: BrowserEnv;
let user: BrowserContext;
const tabs = {} as Record<Lib, Page>;
const fresh = idMaker();

beforeAll(async () => {
  // EXPIRE for an offer to an absent peer comes ~1–2 s after it instead of ~5–6 s.
  env = await startBrowserEnv({ expireTimeout: 1000 });
  user = await env.user();
  tabs.peerjs = await env.tab(user, "peerjs");
  tabs.sharedpeer = await env.tab(user, "sharedpeer");
});

afterAll(async () => {
  await env?.close();
});

/** `new Peer(id, options)` as peer `name` in `tab`; resolves with its first `open:` or `error:` event. */
function newPeer(tab: Page, name: string, id: string | null, extra: Record<string, unknown> = {}): Promise<string> {
  return tab.evaluate(([n, i, o]) => H.newPeer(n, i === null ? [o] : [i, o]), [name, id, { ...env.peerOptions, ...extra }] as const);
}

const events = (tab: Page, name: string) => tab.evaluate((n) => H.peerEvents(n), name);
const waitPeerEvent = (tab: Page, name: string, event: string, ms?: number) =>
  tab.evaluate(([n, e, t]) => H.waitPeerEvent(n, e, t), [name, event, ms] as const);
/** Peer events without the error messages, which 1.5.5 mostly loses (protocol.md §4.1). */
const types = (list: string[]) => list.map((e) => (e.startsWith("error:") ? e.split(":").slice(0, 2).join(":") : e));
/**
 * The events of a Peer that fails before it opens. 1.5.5's destroy() runs disconnect() first, so it
 * emits `disconnected` before `close`, even for a Peer that never reached the server; sharedpeer's
 * `disconnected` means "lost the server, connections keep working" and is not emitted on the way to
 * `close` (so an app that reconnects on `disconnected` does not revive a destroyed Peer).
 */
const failedBeforeOpen = (lib: Lib, errorType: string) =>
  lib === "peerjs" ? [`error:${errorType}`, "disconnected", "close"] : [`error:${errorType}`, "close"];
/** What `JSON.stringify(err)` gives for each error, in both libraries: `type` is the only own enumerable property. */
const asJson = (...types: string[]) => types.map((type) => JSON.stringify({ type }));
const errorJson = (tab: Page, name: string) => tab.evaluate((n) => H.peerErrorJson(n), name);
/** A sharedpeer error event: its type, and a message that says something. */
const withMessage = (type: string) => new RegExp(`^error:${type}:.+`);

suite.each(LIBS)("%s", (lib) => {
  test("ID taken: 10 Peers asking for a live id with share:false all get unavailable-id, none opens, the owner keeps it", async () => {
    const tab = tabs[lib];
    const id = fresh("owner");
    const owner = `owner-${id}`;
    expect(await newPeer(tab, owner, id)).toBe(`open:${id}`);
    const thieves = Array.from({ length: 10 }, (_, i) => `thief-${id}-${i}`);
    const results = await tab.evaluate(([names, i, o]) => Promise.all(names.map((n) => H.newPeer(n, [i, o]))), [
      thieves,
      id,
      { ...env.peerOptions, share: false },
    ] as const);
    for (const result of results) expect(result).toMatch(/^error:unavailable-id:/);
    for (const thief of thieves) {
      await waitPeerEvent(tab, thief, "close");
      expect(types(await events(tab, thief))).toEqual(failedBeforeOpen(lib, "unavailable-id"));
      expect(await tab.evaluate((n) => H.flagsNow(n), thief)).toEqual({ id: null, open: false, disconnected: true, destroyed: true });
      expect(await errorJson(tab, thief)).toEqual(asJson("unavailable-id"));
    }
    if (lib === "sharedpeer") {
      for (const thief of thieves) expect((await events(tab, thief))[0]).toBe(`error:unavailable-id:ID "${id}" is taken`);
    }
    expect(await events(tab, owner)).toEqual([`open:${id}`]);
    await expect.poll(() => env.server.clients().filter((c) => c === id)).toEqual([id]);
    await tab.evaluate((n) => H.destroy(n), owner);
  });

  test("server unavailable: a host that does not resolve gives server-error, and the Peer is destroyed", async () => {
    const tab = tabs[lib];
    const name = fresh("lost");
    const result = await newPeer(tab, name, null, { host: "thisserverwillneverexist.example.com" });
    expect(result).toMatch(lib === "sharedpeer" ? withMessage("server-error") : /^error:server-error:/);
    await waitPeerEvent(tab, name, "close");
    expect(types(await events(tab, name))).toEqual(failedBeforeOpen(lib, "server-error"));
    expect(await errorJson(tab, name)).toEqual(asJson("server-error"));
    expect(await tab.evaluate((n) => H.flagsNow(n), name)).toEqual({ id: null, open: false, disconnected: true, destroyed: true });
  });

  test("disconnected: connect() right after disconnect() gives a disconnected error", async () => {
    const tab = tabs[lib];
    const name = fresh("quitter");
    const id = name;
    expect(await newPeer(tab, name, id)).toBe(`open:${id}`);
    const { key, flags } = await tab.evaluate((n) => {
      H.peer(n)?.disconnect();
      const flags = H.flagsNow(n);
      return { key: H.tryConnect(n, "otherid"), flags };
    }, name);
    const error = await waitPeerEvent(tab, name, "error:");
    expect(error).toMatch(lib === "sharedpeer" ? withMessage("disconnected") : /^error:disconnected:/);
    expect(types(await events(tab, name))).toEqual([`open:${id}`, "disconnected", "error:disconnected"]);
    expect(await errorJson(tab, name)).toEqual(asJson("disconnected"));
    if (lib === "peerjs") {
      expect(key).toBeNull(); // 1.5.5 returns undefined
    } else {
      // sharedpeer returns a DataConnection, which gets the error and closes.
      expect(key).not.toBeNull();
      await tab.evaluate((k) => H.waitEvent(k, "close"), key as string);
      expect(types(await tab.evaluate((k) => H.connEvents(k), key as string))).toEqual(["error:disconnected", "close"]);
    }
    await tab.evaluate((n) => H.destroy(n), name);
    // As in 1.5.5, the flags change at once: `peer.disconnected` right after `disconnect()` is true.
    expect(flags).toEqual({ id: null, open: false, disconnected: true, destroyed: false });
  });

  test("open → disconnect → reconnect → open → destroy, with id and flags right at each event", async () => {
    const tab = tabs[lib];
    const name = fresh("cycler");
    const id = name;
    expect(await newPeer(tab, name, id)).toBe(`open:${id}`);
    await tab.evaluate((n) => H.peer(n)?.disconnect(), name);
    await waitPeerEvent(tab, name, "disconnected");
    await expect.poll(() => env.server.clients()).not.toContain(id);
    await tab.evaluate((n) => H.peer(n)?.reconnect(), name);
    await tab.evaluate((n) => H.waitPeerEvents(n, "open:", 2), name);
    await expect.poll(() => env.server.clients()).toContain(id);
    await tab.evaluate((n) => H.peer(n)?.destroy(), name);
    await waitPeerEvent(tab, name, "close");
    const up = { id, open: true, disconnected: false, destroyed: false };
    const down = { id: null, open: false, disconnected: true, destroyed: false };
    const gone = { id: null, open: false, disconnected: true, destroyed: true };
    // 1.5.5's destroy() disconnects first, so `disconnected` fires again before `close` (see failedBeforeOpen).
    const onDestroy = lib === "peerjs" ? [{ event: "disconnected", ...down }] : [];
    expect(await tab.evaluate((n) => H.peerFlags(n), name)).toEqual([
      { event: "open", ...up },
      { event: "disconnected", ...down },
      { event: "open", ...up },
      ...onDestroy,
      { event: "close", ...gone },
    ]);
    expect(await events(tab, name)).toEqual([`open:${id}`, "disconnected", `open:${id}`, ...onDestroy.map(() => "disconnected"), "close"]);
  });

  test("an invalid id gives invalid-id, then the Peer is destroyed", async () => {
    const tab = tabs[lib];
    const name = fresh("invalid");
    const result = await newPeer(tab, name, "not a valid id!");
    expect(result).toMatch(lib === "sharedpeer" ? withMessage("invalid-id") : /^error:invalid-id:/);
    await waitPeerEvent(tab, name, "close");
    expect(types(await events(tab, name))).toEqual(failedBeforeOpen(lib, "invalid-id"));
    expect(await errorJson(tab, name)).toEqual(asJson("invalid-id"));
    expect(await tab.evaluate((n) => H.flagsNow(n), name)).toMatchObject({ open: false, destroyed: true });
  });

  test("connect() to an absent id: the Peer gets peer-unavailable once the server expires the offer", async () => {
    const tab = tabs[lib];
    const name = fresh("caller");
    expect(await newPeer(tab, name, name)).toBe(`open:${name}`);
    const absent = fresh("nobody");
    const key = await tab.evaluate(([n, to]) => H.connect(n, to, { reliable: true }), [name, absent] as const);
    const error = await waitPeerEvent(tab, name, "error:", 10_000);
    expect(error).toMatch(lib === "sharedpeer" ? withMessage("peer-unavailable") : /^error:peer-unavailable:/);
    if (lib === "sharedpeer") {
      // peers/peerjs#924: the connection that failed hears it too, and closes (1.5.5 leaves it pending).
      expect(error).toBe(`error:peer-unavailable:Could not connect to peer ${absent}`);
      await tab.evaluate((k) => H.waitEvent(k, "close"), key);
      expect(await tab.evaluate((k) => H.connEvents(k), key)).toEqual([
        `error:peer-unavailable:Could not connect to peer ${absent}`,
        "close",
      ]);
      expect(await tab.evaluate((n) => H.peerState(n)?.connections, name)).toEqual({});
    } else {
      expect(await tab.evaluate((k) => H.connEvents(k), key)).toEqual([]);
    }
    expect(await tab.evaluate((n) => H.flagsNow(n)?.open, name)).toBe(true);
    expect(await errorJson(tab, name)).toEqual(asJson("peer-unavailable"));
    if (lib === "sharedpeer") expect(await tab.evaluate((k) => H.connErrorJson(k), key)).toEqual(asJson("peer-unavailable"));
    await tab.evaluate((n) => H.destroy(n), name);
  });

  test("send() before open: the connection gets not-open-yet, which serializes as peerjs's", async () => {
    const tab = tabs[lib];
    const name = fresh("eager");
    expect(await newPeer(tab, name, name)).toBe(`open:${name}`);
    const key = await tab.evaluate(
      ([n, to]) => {
        const k = H.connect(n, to, { reliable: true });
        H.send(k, ["too early"]);
        return k;
      },
      [name, fresh("later")] as const,
    );
    expect(types(await tab.evaluate((k) => H.connEvents(k), key))).toEqual(["error:not-open-yet"]);
    expect(await tab.evaluate((k) => H.connErrorJson(k), key)).toEqual(asJson("not-open-yet"));
    await tab.evaluate((n) => H.destroy(n), name);
  });
});

test("JSON.stringify of a PeerError of every type, from a text or from an Error, is the same in both libraries", async () => {
  const all = await tabs.sharedpeer.evaluate(() => [
    ...Object.values(SP.PeerErrorType),
    ...Object.values(SP.BaseConnectionErrorType),
    ...Object.values(SP.DataConnectionErrorType),
  ]);
  expect(all).toHaveLength(16);
  const official = await tabs.peerjs.evaluate(
    (types) =>
      types.flatMap((t) => [JSON.stringify(new PJ.PeerError(t, "it broke")), JSON.stringify(new PJ.PeerError(t, new Error("deeper")))]),
    all,
  );
  const ours = await tabs.sharedpeer.evaluate(
    (types) =>
      types.flatMap((t) => {
        const e = new SP.PeerError(t as never, "it broke", { cause: new Error("deeper") });
        if (e.name !== "PeerError" || e.message !== "it broke") throw new Error("name and message must stay readable");
        return [JSON.stringify(e), JSON.stringify(new SP.PeerError(t as never, "it broke"))];
      }),
    all,
  );
  expect(ours).toEqual(official);
  expect(official[0]).toBe('{"type":"browser-incompatible"}');
});

test("sharedpeer: with the default share:true a second Peer in the same browser attaches; in another browser it gets unavailable-id", async () => {
  const tab = tabs.sharedpeer;
  const id = fresh("shared");
  expect(await newPeer(tab, "first", id)).toBe(`open:${id}`);
  const second = await env.tab(user, "sharedpeer");
  expect(await newPeer(second, "second", id)).toBe(`open:${id}`);
  expect(await second.evaluate(() => H.peerEvents("second"))).toEqual([`open:${id}`]);

  const otherUser = await env.user();
  const other = await env.tab(otherUser, "sharedpeer");
  expect(await newPeer(other, "intruder", id)).toBe(`error:unavailable-id:ID "${id}" is taken`);
  await waitPeerEvent(other, "intruder", "close");
  expect(await other.evaluate(() => H.peerEvents("intruder"))).toEqual([`error:unavailable-id:ID "${id}" is taken`, "close"]);
  expect(await other.evaluate(() => H.flagsNow("intruder"))).toEqual({ id: null, open: false, disconnected: true, destroyed: true });

  expect(await events(tab, "first")).toEqual([`open:${id}`]);
  await expect.poll(() => env.server.clients().filter((c) => c === id)).toEqual([id]);
  await otherUser.close();
  await second.close();
  await tab.evaluate(() => H.destroy("first"));
});

test("sharedpeer: a server that does not resolve, with an id, gives server-error and destroys the Peer", async () => {
  const tab = tabs.sharedpeer;
  const name = fresh("lostid");
  const result = await newPeer(tab, name, name, { host: "thisserverwillneverexist.example.com" });
  expect(result).toMatch(withMessage("server-error"));
  await waitPeerEvent(tab, name, "close");
  expect(await tab.evaluate((n) => H.flagsNow(n), name)).toEqual({ id: null, open: false, disconnected: true, destroyed: true });
});

test("2013 API: connect(id, 'json', metadata) reaches an official peer as json with that metadata; conn.id is the local id", async () => {
  const sp = tabs.sharedpeer;
  const pj = tabs.peerjs;
  const spId = fresh("old");
  const pjId = fresh("official");
  expect(await newPeer(sp, spId, spId)).toBe(`open:${spId}`);
  expect(await newPeer(pj, pjId, pjId)).toBe(`open:${pjId}`);

  const out = await sp.evaluate(([n, to]) => H.connect(n, to, "json", { a: 1 }), [spId, pjId] as const);
  await sp.evaluate((k) => H.waitOpen(k), out);
  expect(await sp.evaluate((k) => H.connInfo(k), out)).toMatchObject({ peer: pjId, serialization: "json", metadata: { a: 1 }, id: spId });
  const inc = await pj.evaluate(([n, from]) => H.incoming(n, from), [pjId, spId] as const);
  expect(await pj.evaluate((k) => H.connInfo(k), inc)).toMatchObject({ peer: spId, serialization: "json", metadata: { a: 1 } });
  await sp.evaluate((k) => H.send(k, [{ hello: "2013" }]), out);
  await pj.evaluate((k) => H.waitData(k, 1), inc);
  expect(await pj.evaluate((k) => H.received(k), inc)).toEqual([{ hello: "2013" }]);

  // "none" is the old name of raw: it goes on the wire as "raw".
  const none = await sp.evaluate(([n, to]) => H.connect(n, to, "none"), [spId, pjId] as const);
  await sp.evaluate((k) => H.waitOpen(k), none);
  const noneId = none.split("/")[1] as string;
  expect(await pj.evaluate((k) => H.connInfo(k)?.serialization, `${pjId}/${noneId}`)).toBe("raw");

  // `connection` gets the metadata as its second argument.
  const back = await pj.evaluate(([n, to]) => H.connect(n, to, { serialization: "json", metadata: { b: [2] } }), [pjId, spId] as const);
  const backId = back.split("/")[1] as string;
  await sp.evaluate(([n, from]) => H.incoming(n, from), [spId, pjId] as const);
  expect(await events(sp, spId)).toContain(`connection:${pjId}:${spId}/${backId}:{"b":[2]}`);
  expect(await sp.evaluate((k) => H.connInfo(k), `${spId}/${backId}`)).toMatchObject({
    peer: pjId,
    metadata: { b: [2] },
    serialization: "json",
    id: spId,
  });

  await sp.evaluate((n) => H.destroy(n), spId);
  await pj.evaluate((n) => H.destroy(n), pjId);
});

test("listAllPeers(): a Promise without a callback, the callback form, and the same list the official client gets", async () => {
  const sp = tabs.sharedpeer;
  const pj = tabs.peerjs;
  const spId = fresh("lister");
  const pjId = fresh("listed");
  expect(await newPeer(sp, spId, spId)).toBe(`open:${spId}`);
  expect(await newPeer(pj, pjId, pjId)).toBe(`open:${pjId}`);
  // Every earlier test's peers are gone by now: the server lists exactly these two.
  const registered = [pjId, spId].sort();
  await expect.poll(() => [...env.server.clients()].sort()).toEqual(registered);
  const fromSharedpeer = await sp.evaluate(async (n) => {
    const peer = H.peer(n);
    if (!peer) throw new Error("no peer");
    const viaPromise = await (peer.listAllPeers() as Promise<string[]>);
    const viaCallback = await new Promise<string[]>((resolve) => void peer.listAllPeers(resolve));
    return { viaPromise: [...viaPromise].sort(), viaCallback: [...viaCallback].sort() };
  }, spId);
  const fromPeerjs = await pj.evaluate((n) => new Promise<string[]>((resolve) => void H.peer(n)?.listAllPeers(resolve)), pjId);
  expect(fromSharedpeer).toEqual({ viaPromise: registered, viaCallback: registered });
  expect([...fromPeerjs].sort()).toEqual(registered);
  await sp.evaluate((n) => H.destroy(n), spId);
  await pj.evaluate((n) => H.destroy(n), pjId);
});

// Last: it restarts the PeerServer under every other peer of this file.
test("server down, then up again: both libraries report network + disconnected, and reconnect() opens", async () => {
  const ids = { peerjs: fresh("survivor"), sharedpeer: fresh("survivor") };
  for (const lib of LIBS) expect(await newPeer(tabs[lib], ids[lib], ids[lib])).toBe(`open:${ids[lib]}`);
  await env.server.stop();
  for (const lib of LIBS) {
    await waitPeerEvent(tabs[lib], ids[lib], "disconnected");
    expect(await tabs[lib].evaluate((n) => H.flagsNow(n), ids[lib])).toEqual({
      id: null,
      open: false,
      disconnected: true,
      destroyed: false,
    });
  }
  await env.restartServer();
  for (const lib of LIBS) {
    // sharedpeer also retries by itself (with backoff): reconnect() is for a Peer still disconnected.
    await tabs[lib].evaluate((n) => {
      const peer = H.peer(n);
      if (peer?.disconnected) peer.reconnect();
    }, ids[lib]);
  }
  for (const lib of LIBS) {
    const name = ids[lib];
    await tabs[lib].evaluate((n) => H.waitPeerEvents(n, "open:", 2), name);
    expect(types(await events(tabs[lib], name))).toEqual([`open:${name}`, "error:network", "disconnected", `open:${name}`]);
    expect(await tabs[lib].evaluate((n) => H.flagsNow(n), name)).toEqual({ id: name, open: true, disconnected: false, destroyed: false });
    if (lib === "sharedpeer") expect((await events(tabs[lib], name))[1]).toMatch(withMessage("network"));
    expect(await errorJson(tabs[lib], name)).toEqual(asJson("network"));
  }
  await expect.poll(() => env.server.clients()).toEqual(expect.arrayContaining([ids.peerjs, ids.sharedpeer]));
});

test("sharedpeer: importing it has no side effects: no global, no worker, until a Peer is made", async () => {
  const tab = await env.tab(await env.user(), "sharedpeer");
  // A tab that reached its worker holds a Web Lock named for itself, and the worker one of its own:
  // none before a Peer exists.
  const state = () =>
    tab.evaluate(async () => {
      const held = ((await navigator.locks.query()).held ?? []).map((l) => l.name ?? "");
      return {
        global: "Peer" in window || "peerjs" in window,
        tabLocks: held.filter((name) => name.startsWith("sharedpeer:tab_")).length,
        workerLocks: held.filter((name) => name.startsWith("sharedpeer:worker:")).length,
      };
    });
  expect(await state()).toEqual({ global: false, tabLocks: 0, workerLocks: 0 });
  await tab.evaluate(([i, o]) => H.newPeer("p", [i, o]), [fresh("side"), env.peerOptions] as const);
  expect(await state()).toEqual({ global: false, tabLocks: 1, workerLocks: 1 });
});

test("sharedpeer: util.supports probes on first read only, with one RTCPeerConnection, and keeps its answer", async () => {
  const user = await env.user();
  // Counts RTCPeerConnections made in the page, from before sharedpeer is imported.
  await user.addInitScript(() => {
    const w = window as unknown as { made: number; RTCPeerConnection: typeof RTCPeerConnection };
    const Original = w.RTCPeerConnection;
    w.made = 0;
    w.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.made++;
      }
    };
  });
  const tab = await env.tab(user, "sharedpeer");
  const made = () => tab.evaluate(() => (window as unknown as { made: number }).made);
  expect(await made()).toBe(0);
  expect(await tab.evaluate(() => [SP.util.browser, SP.util.validateId("ok id"), typeof SP.util.pack])).toEqual([
    env.engine === "firefox" ? "firefox" : "chrome",
    true,
    "function",
  ]);
  expect(await made()).toBe(0);
  const supports = await tab.evaluate(() => ({ ...SP.util.supports }));
  expect(supports).toEqual({ browser: true, webRTC: true, audioVideo: true, data: true, binaryBlob: true, reliable: true });
  expect(await tab.evaluate(() => SP.util.supports.data && SP.util.supports.reliable)).toBe(true);
  expect(await made()).toBe(1);
});

test("sharedpeer: debug and logFunction are per Peer, and the worker's lines reach them with the peer id", async () => {
  const tab = await env.tab(await env.user(), "sharedpeer");
  const [loud, quiet] = [fresh("loud"), fresh("quiet")];
  const lines = await tab.evaluate(
    async ([loudId, quietId, o]) => {
      const seen: Record<string, string[]> = { loud: [], quiet: [] };
      const make = (id: string, debug: number | boolean, name: string) =>
        new Promise<void>((resolve) => {
          const log = (level: number, ...args: unknown[]) => seen[name]!.push(`${level} ${args.join(" ")}`);
          new SP.Peer(id, { ...o, debug, logFunction: log }).on("open", () => resolve());
        });
      await make(loudId, true, "loud");
      await make(quietId, 0, "quiet");
      return seen;
    },
    [loud, quiet, env.peerOptions] as const,
  );
  // `debug: true` is level 3; the worker's "open as" line arrives through this Peer's logFunction.
  expect(lines.loud).toContain(`3 sharedpeer: [${loud}] open as ${loud}`);
  // The other Peer of the same tab, debug 0, logs nothing: the first one did not rewire a global logger.
  expect(lines.quiet).toEqual([]);
});

test("sharedpeer: connect() made before the Peer is open waits for the server instead of losing the offer (#652)", async () => {
  const target = await env.tab(await env.user(), "sharedpeer");
  const targetId = fresh("target");
  await target.evaluate(([i, o]) => H.newPeer("t", [i, o]), [targetId, env.peerOptions] as const);
  const tab = await env.tab(await env.user(), "sharedpeer");
  const { key, openAtConnect } = await tab.evaluate(
    async ([i, to, o]) => {
      await H.newPeer("early", [i, o], { wait: false });
      const openAtConnect = H.peerState("early")?.open ?? null;
      return { key: H.connect("early", to, { reliable: true }), openAtConnect };
    },
    [fresh("early"), targetId, env.peerOptions] as const,
  );
  expect(openAtConnect).toBe(false);
  await tab.evaluate((k) => H.waitOpen(k), key);
  await tab.evaluate((k) => H.send(k, ["made before open"]), key);
  const earlyId = await tab.evaluate(() => H.peerState("early")?.id ?? "");
  const incoming = await target.evaluate((from) => H.incoming("t", from), earlyId);
  await target.evaluate((k) => H.waitData(k, 1), incoming);
  expect(await target.evaluate((k) => H.received(k), incoming)).toEqual(["made before open"]);
});

test("sharedpeer: when the server re-attaches the id to our token without OPEN (protocol §1.9), the Peer still opens", async () => {
  // Another client registers the id with a token, as an earlier socket of ours would have.
  const id = fresh("reattach");
  const token = `tok${Math.random().toString(36).slice(2, 10)}`;
  const holder = new WebSocket(`ws://127.0.0.1:${env.server.port}/peerjs?key=peerjs&id=${id}&token=${token}`);
  const first = await new Promise<string>((resolve, reject) => {
    holder.once("message", (data) => resolve(String(data)));
    holder.once("error", reject);
  });
  expect(JSON.parse(first)).toEqual({ type: "OPEN" });
  const tab = await env.tab(await env.user(), "sharedpeer");
  // Same id and token: the server hands the id over silently and sends no OPEN.
  expect(await tab.evaluate(([i, o]) => H.newPeer("p", [i, o]), [id, { ...env.peerOptions, token }] as const)).toBe(`open:${id}`);
  expect(await tab.evaluate(() => H.peerState("p"))).toMatchObject({ open: true, id });
  holder.close();
});
