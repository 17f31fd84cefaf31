/** Apps follow a large send on both ends: sendProgress at the sender, receiveProgress at every listening tab. */
import { expect, test } from "vitest";
import { useBrowserEnv } from "../support/env.js";

const env = useBrowserEnv();

interface Step {
  direction: string;
  id: number;
  bytes: number;
  total: number;
  done: boolean;
}

function parse(progress: string[]): Step[] {
  return progress.map((e) => {
    const [direction, id, counts, done] = e.split(":");
    const [bytes, total] = counts!.split("/").map(Number);
    return { direction: direction!, id: Number(id), bytes: bytes!, total: total!, done: done === "done" };
  });
}

test("a 4 MiB message reports progress on both ends, rising to done, then arrives whole", async () => {
  const run = Math.random().toString(36).slice(2, 7);
  const [a, b] = [await env.user(), await env.user()];
  const [alice, bob] = [await env.tab(a), await env.tab(b)];
  await bob.evaluate(([id, o]) => H.newPeer("bob", [id, o]), [`bob-${run}`, env.peerOptions] as const);
  await alice.evaluate(([id, o]) => H.newPeer("alice", [id, o]), [`alice-${run}`, env.peerOptions] as const);
  const out = await alice.evaluate((to) => H.connect("alice", to, { reliable: true }), `bob-${run}`);
  await alice.evaluate((k) => H.waitOpen(k), out);
  const inc = `bob/${out.split("/")[1]!}`;
  await bob.evaluate((k) => H.waitOpen(k), inc);

  const ids = await alice.evaluate((k) => H.send(k, ["small", V.filled(4 * 1024 * 1024, 9)]), out);
  expect(ids).toEqual([1, 2]);
  await bob.evaluate((k) => H.waitData(k, 2), inc);
  await alice.evaluate((k) => H.waitProgress(k, "send:2:4194304/4194304:done"), out);

  const sent = parse(await alice.evaluate((k) => H.progress(k), out));
  // Only the large message reports; bytes rise to its size on the wire: between two sharedpeers (the
  // wire extension, protocol.md §5) an ArrayBuffer travels as its own 4 MiB, not BinaryPack-packed (+5 bytes).
  expect(sent.every((s) => s.direction === "send" && s.id === 2 && s.total === 4194304)).toBe(true);
  expect(sent.map((s) => s.bytes)).toEqual([...sent.map((s) => s.bytes)].sort((x, y) => x - y));
  expect(sent.at(-1)).toMatchObject({ bytes: 4194304, done: true });
  expect(sent.length).toBeGreaterThan(1);

  const received = parse(await bob.evaluate((k) => H.progress(k), inc));
  expect(received.length).toBeGreaterThan(1);
  expect(received.every((s) => s.direction === "receive" && s.id === 1)).toBe(true);
  expect(received.map((s) => s.bytes)).toEqual([...received.map((s) => s.bytes)].sort((x, y) => x - y));
  expect(received.at(-1)).toMatchObject({ bytes: 4194304, total: 4194304, done: true });
  const data = await bob.evaluate((k) => H.received(k), inc);
  expect(data[0]).toBe("small");
  expect(data[1]).toMatchObject({ $: "ArrayBuffer", length: 4 * 1024 * 1024 });
  await Promise.all([a.close(), b.close()]);
});
