/**
 * The MsgPack serialization (peerjs 1.5's MsgPackPeer) on the wire with the official peerjs 1.5.5
 * both ways and between sharedpeers: every kind MessagePack carries, a 20 MiB value, the in-band
 * close of close({ flush: true }), and hostile streams from an official peer that close only that
 * connection. peerjs → peerjs runs in the same file, so the expectation is what peerjs itself delivers.
 */
import { beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { useBrowserEnv } from "../support/env.js";
import { idMaker } from "../support/seeded.js";

const env = useBrowserEnv();
const fresh = idMaker();
const BIG = 20 * 1024 * 1024;
/**
 * The big value towards an official receiver. peerjs 1.5.5's stream decoder (@msgpack/msgpack 2.8
 * decodeMultiStream) copies everything it holds for each 32 KiB piece, so one value costs time
 * quadratic in its size: measured in Node, 8 MiB 1.0 s, 20 MiB 8.2 s, and several times that in a
 * page on this 2-core machine. sharedpeer's receiver takes the full 20 MiB.
 */
const BIG_TO_PEERJS = 4 * 1024 * 1024;
/**
 * peerjs 1.5.5's MsgPack receiver reads `value.__peerData` of every value: a top-level `null` throws
 * there and its receive stream ends for good (every later message is lost). Official receivers get
 * the set without it; sharedpeer receivers get it all.
 */
const valuesFor = (lib: End["lib"]) => (lib === "sharedpeer" ? "all" : "no top-level null");
/** Short, so that a stalled value is noticed within the test (the default is 30 s). */
const CHUNK_TIMEOUT = 2000;

interface End {
  readonly page: Page;
  readonly name: string;
  readonly id: string;
  readonly lib: "peerjs" | "sharedpeer";
}
const ends = {} as Record<"pj1" | "pj2" | "sp1" | "sp2", End>;

beforeAll(async () => {
  for (const [name, lib] of [
    ["pj1", "peerjs"],
    ["pj2", "peerjs"],
    ["sp1", "sharedpeer"],
    ["sp2", "sharedpeer"],
  ] as const) {
    const page = await env.tab(await env.user(), lib);
    const id = fresh(name);
    const options = { ...env.peerOptions, ...(lib === "sharedpeer" ? { limits: { chunkTimeout: CHUNK_TIMEOUT } } : {}) };
    expect(await page.evaluate(([n, i, o]) => HM.newPeer(n, [i, o]), [name, id, options] as const)).toBe(`open:${id}`);
    ends[name] = { page, name, id, lib };
  }
});

/** `from` dials `to` with its MsgPackPeer's default serialization; resolves with both keys once open. */
async function dial(from: End, to: End): Promise<{ out: string; inc: string }> {
  const out = await from.page.evaluate(([n, id]) => HM.connect(n, id), [from.name, to.id] as const);
  const inc = `${to.name}/${out.split("/")[1] as string}`;
  await from.page.evaluate((k) => H.waitOpen(k), out);
  await to.page.evaluate((k) => H.waitOpen(k), inc);
  return { out, inc };
}

/** Open and close, errors cut to their type; the official answerer now and then emits `open` twice (see interop.test.ts). */
const lifecycle = (events: string[]) =>
  events
    .map((e) => (e.startsWith("error:") ? e.split(":").slice(0, 2).join(":") : e))
    .filter((e, i, all) => !(e === "open" && all[i - 1] === "open"));

const LEGS = [
  ["pj1", "sp1"],
  ["sp1", "pj1"],
  ["sp1", "sp2"],
  ["pj1", "pj2"],
] as const;

describe.each(LEGS)("%s → %s", (fromName, toName) => {
  test("every MessagePack kind and a 20 MiB value arrive as sent, then close({ flush: true }) closes both ends", async () => {
    const [from, to] = [ends[fromName], ends[toName]];
    const big = to.lib === "sharedpeer" ? BIG : BIG_TO_PEERJS;
    const { out, inc } = await dial(from, to);
    expect(await to.page.evaluate((k) => H.connInfo(k)?.serialization, inc)).toBe("MsgPack");
    expect(await from.page.evaluate((k) => H.connInfo(k)?.serialization, out)).toBe("MsgPack");
    const count = await from.page.evaluate(
      async ([k, big, which]) => {
        const kinds = V.msgpackValues().filter((v) => which === "all" || v !== null);
        const values = [...kinds, new Uint8Array(V.filled(big, 9)), "after the big one"];
        await H.sendAll(k, values, true);
        return values.length;
      },
      [out, big, valuesFor(to.lib)] as const,
    );
    await to.page.evaluate(([k, n]) => H.waitData(k, n, 60_000), [inc, count] as const);
    await to.page.evaluate((k) => H.waitEvent(k, "close", 30_000), inc);
    await from.page.evaluate((k) => H.waitEvent(k, "close"), out);
    const sent = await from.page.evaluate(
      ([big, which]) =>
        H.describeAll([
          ...V.msgpackValues().filter((v) => which === "all" || v !== null),
          new Uint8Array(V.filled(big, 9)),
          "after the big one",
        ]),
      [big, valuesFor(to.lib)] as const,
    );
    expect(await to.page.evaluate((k) => H.received(k), inc)).toEqual(sent);
    expect(lifecycle(await to.page.evaluate((k) => H.connEvents(k), inc))).toEqual(["open", "close"]);
    expect(lifecycle(await from.page.evaluate((k) => H.connEvents(k), out))).toEqual(["open", "close"]);
  }, 120_000);
});

describe("a hostile official peer writes raw bytes on a MsgPack connection", () => {
  const HOSTILE = [
    { what: "a bin32 header announcing 4 GiB", bytes: [0xc6, 0xff, 0xff, 0xff, 0xff], reason: /a value announces 4294967295 bytes/ },
    { what: "an array32 announcing 4 Gi elements", bytes: [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], reason: /announces 4294967295 elements/ },
    { what: "the unused byte 0xc1", bytes: [0x92, 0x01, 0xc1], reason: /0xc1 is not a MessagePack type/ },
    { what: "a map with a __proto__ key", bytes: [0x81, 0xa9, ...new TextEncoder().encode("__proto__"), 0x80], reason: /__proto__/ },
    {
      what: "a truncated value (a str16 of 1000 bytes cut after 10), then silence",
      bytes: [0xda, 0x03, 0xe8, ...new Array<number>(10).fill(0x61)],
      reason: /stopped arriving: no data for 2000 ms/,
    },
  ];

  for (const hostile of HOSTILE) {
    test(`${hostile.what}: that connection errors and closes, another one carries on`, async () => {
      const { pj1: mallory, sp1: alice, sp2: carol } = ends;
      const bystander = await dial(carol, alice);
      const { out, inc } = await dial(mallory, alice);
      // A good value first, then the hostile bytes, straight into peerjs's channel.
      await mallory.page.evaluate(
        async ([k, bytes]) => {
          await H.sendAll(k, [{ before: true }], false);
          (H.conn(k) as unknown as { dataChannel: RTCDataChannel }).dataChannel.send(new Uint8Array(bytes));
        },
        [out, hostile.bytes] as const,
      );
      await alice.page.evaluate((k) => H.waitEvent(k, "close", 10_000), inc);
      const events = await alice.page.evaluate((k) => H.connEvents(k), inc);
      expect(events).toEqual([
        "open",
        expect.stringMatching(/^error:connection-closed:Undecodable data from|^error:connection-closed:A value/),
        "close",
      ]);
      expect(events[1]).toMatch(hostile.reason);
      expect(await alice.page.evaluate((k) => H.received(k), inc)).toEqual([{ before: true }]);
      await mallory.page.evaluate((k) => H.waitEvent(k, "close"), out);
      // The Peer is fine, and the other MsgPack connection still works both ways.
      expect((await alice.page.evaluate((n) => H.peerEvents(n), alice.name)).filter((e) => e.startsWith("error"))).toEqual([]);
      await carol.page.evaluate((k) => H.sendAll(k, ["from carol"], false), bystander.out);
      await alice.page.evaluate((k) => H.waitData(k, 1), bystander.inc);
      await alice.page.evaluate((k) => H.sendAll(k, ["from alice"], false), bystander.inc);
      await carol.page.evaluate((k) => H.waitData(k, 1), bystander.out);
      expect(await carol.page.evaluate((k) => H.received(k), bystander.out)).toEqual(["from alice"]);
      await carol.page.evaluate((k) => H.close(k), bystander.out);
    });
  }
});
