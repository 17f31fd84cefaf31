/**
 * `conn.bufferSize` as peerjs apps use it: a loop that waits while it is above a bound sends
 * 200 MiB (`npm run soak`; `npm test` sends 64 MiB, BUFFER_SIZE_MIB sets it) with the sending
 * worker's memory bounded (JS heap plus ArrayBuffer backing stores, read over CDP as test/bench
 * does), and the count is current from the first send to the last.
 */
import { expect, test } from "vitest";
import { useBrowserEnv } from "../support/env.js";
import { idMaker } from "../support/seeded.js";
import { sharedWorkerProbe } from "../bench/cdp.js";

const env = useBrowserEnv();
const fresh = idMaker();
const MiB = 1024 * 1024;
const TOTAL_MIB = Number(process.env["BUFFER_SIZE_MIB"] ?? 64);
/** The throttle of the app below: at most this many 1 MiB messages wait in the worker. */
const BOUND = 8;
/**
 * What the sending worker may retain (sampled after a forced GC, over its start): BOUND messages
 * queued and the head's encoding; what is in flight was transferred to the host tab. Unthrottled,
 * it would retain what the app queued, up to all 200 MiB.
 */
const RETAINED_LIMIT = 48 * MiB;

async function pair(serialization: string) {
  const [aliceUser, bobUser] = [await env.user(), await env.user()];
  const [alice, bob] = [await env.tab(aliceUser), await env.tab(bobUser)];
  const [aliceId, bobId] = [fresh("alice"), fresh("bob")];
  expect(await env.openPeer(alice, "alice", aliceId)).toBe(`open:${aliceId}`);
  expect(await bob.evaluate(([i, o]) => H.newPeer("bob", [i, o], { listen: false }), [bobId, env.peerOptions] as const)).toBe(
    `open:${bobId}`,
  );
  const out = await alice.evaluate(([id, s]) => H.connect("alice", id, { serialization: s, reliable: true }), [
    bobId,
    serialization,
  ] as const);
  await alice.evaluate((k) => H.waitOpen(k), out);
  const inc = await bob.evaluate((id) => H.incoming("bob", id), aliceId);
  await bob.evaluate((k) => H.waitOpen(`bob/${k.split("/")[1]}`), inc);
  // The receiver counts bytes and checks order without keeping what arrives.
  await bob.evaluate((k) => {
    const w = window as unknown as { got: { bytes: number; messages: number; outOfOrder: number } };
    w.got = { bytes: 0, messages: 0, outOfOrder: 0 };
    H.conn(`bob/${k.split("/")[1]}`)?.on("data", ((d: Uint8Array | ArrayBuffer) => {
      const view = d instanceof Uint8Array ? d : new Uint8Array(d);
      if (view[0] !== w.got.messages % 251) w.got.outOfOrder++;
      w.got.messages++;
      w.got.bytes += view.byteLength;
    }) as never);
  }, inc);
  return { aliceUser, alice, bob, out };
}

test.each(["binary", "MsgPack"])(
  `%s: a peerjs-style throttle loop on bufferSize sends ${TOTAL_MIB} MiB with the worker's memory bounded`,
  async (serialization) => {
    const { aliceUser, alice, bob, out } = await pair(serialization);
    const worker = await sharedWorkerProbe(env.browser, aliceUser, "alice's worker");
    await worker.gc();
    const before = (await worker.heap()).bytes;
    let peak = before;
    let retained = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await worker.heap()).bytes);
        await worker.gc();
        retained = Math.max(retained, (await worker.heap()).bytes);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const seen = await alice.evaluate(
      async ([k, total, bound]) => {
        const conn = H.conn(k) as unknown as { send(d: unknown): unknown; bufferSize: number };
        let highest = 0;
        for (let i = 0; i < total; i++) {
          while (conn.bufferSize > bound) await new Promise((r) => setTimeout(r, 5));
          const piece = new Uint8Array(1024 * 1024).fill(i % 251);
          conn.send(piece);
          highest = Math.max(highest, conn.bufferSize);
        }
        return highest;
      },
      [out, TOTAL_MIB, BOUND] as const,
    );
    await bob.waitForFunction((n) => (window as unknown as { got: { messages: number } }).got.messages >= n, TOTAL_MIB, {
      timeout: 180_000,
      polling: 200,
    });
    sampling = false;
    await sampler;
    expect(await bob.evaluate(() => (window as unknown as { got: unknown }).got)).toEqual({
      bytes: TOTAL_MIB * MiB,
      messages: TOTAL_MIB,
      outOfOrder: 0,
    });
    // The loop saw the queue fill (the worker reports it) and never let it pass the bound by more than one.
    expect(seen).toBeGreaterThan(BOUND / 2);
    expect(seen).toBeLessThanOrEqual(BOUND + 1);
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    console.log(
      `[buffer-size] ${serialization}: worker ${mib(before)} before; peak ${mib(peak)}, retained after GC at most ${mib(retained)}`,
    );
    expect(retained - before).toBeLessThan(RETAINED_LIMIT);
    await expect.poll(() => alice.evaluate((k) => (H.conn(k) as unknown as { bufferSize: number }).bufferSize, out)).toBe(0);
    await aliceUser.close();
  },
  240_000,
);

test("bufferSize counts sends at once, before the worker has them, and goes back to 0 when they left", async () => {
  const { aliceUser, alice, out } = await pair("json");
  const counts = await alice.evaluate((k) => {
    const conn = H.conn(k) as unknown as { send(d: unknown): unknown; bufferSize: number };
    const seen = [conn.bufferSize];
    for (let i = 0; i < 5; i++) conn.send({ i });
    seen.push(conn.bufferSize);
    return seen;
  }, out);
  expect(counts).toEqual([0, 5]);
  await expect.poll(() => alice.evaluate((k) => (H.conn(k) as unknown as { bufferSize: number }).bufferSize, out)).toBe(0);
  await aliceUser.close();
});
