/** What two pages do to each other in many tests: send a value set and compare, call with video and hang up. */
import { expect } from "vitest";
import type { Page } from "playwright-core";
import { describe } from "../fixtures/describe.js";
import type * as Values from "../fixtures/basic-values.js";

/** A value set of test/fixtures/basic-values.ts, by name. */
export type ValueSet = { [K in keyof typeof Values]: (typeof Values)[K] extends () => unknown[] ? K : never }[keyof typeof Values];

/** `from` sends value set `make` on `fromKey`; `to` must receive `expected` (described) on `toKey`, in order. */
export async function expectTransfer(
  from: Page,
  fromKey: string,
  to: Page,
  toKey: string,
  make: ValueSet,
  expected: unknown[],
): Promise<void> {
  const before = await to.evaluate((k) => H.receivedCount(k), toKey);
  await from.evaluate(([k, m]) => H.send(k, (V as unknown as Record<string, () => unknown[]>)[m]!()), [fromKey, make] as const);
  await to.evaluate(([k, n]) => H.waitData(k, n), [toKey, before + expected.length] as const);
  const got = (await to.evaluate((k) => H.received(k), toKey)).slice(before);
  expect(got).toEqual(await Promise.all(expected.map(describe)));
}

/** `caller` calls `callee` (peer "me" in both); both get live video; then the `hangUpBy` side closes and both see `close`. */
export async function callBothWays(caller: Page, callee: Page, calleeId: string, hangUpBy: "caller" | "callee"): Promise<void> {
  const out = await caller.evaluate(([to]) => M.call("me", to!, { topic: "standup" }), [calleeId] as const);
  const inc = await callee.evaluate(() => M.incoming("me"));
  expect(await callee.evaluate((k) => M.metadata(k), inc)).toEqual({ topic: "standup" });
  await callee.evaluate((k) => M.answer(k), inc);
  for (const [tab, key] of [
    [caller, out],
    [callee, inc],
  ] as const) {
    const video = await tab.evaluate((k) => M.remoteVideo(k), key);
    expect(video).toEqual({ width: 320, height: 240, live: true });
  }
  const [closer, closerKey] = hangUpBy === "caller" ? [caller, out] : [callee, inc];
  await closer.evaluate((k) => M.hangUp(k), closerKey);
  await caller.evaluate((k) => M.waitEvent(k, "close", 10_000), out);
  await callee.evaluate((k) => M.waitEvent(k, "close", 10_000), inc);
}

/**
 * Peer "bob" on `bob` dials `aliceId` (reliable); resolves once bob and every tab in `tabs` (peer
 * "me") have it open: bob's key, and the key ("me/<connectionId>") it has in alice's tabs.
 */
export async function bobDials(bob: Page, aliceId: string, tabs: readonly Page[]): Promise<{ bobKey: string; key: string }> {
  const bobKey = await bob.evaluate((to) => H.connect("bob", to, { reliable: true }), aliceId);
  await bob.evaluate((k) => H.waitOpen(k), bobKey);
  const key = `me/${bobKey.split("/")[1]!}`;
  for (const tab of tabs) await tab.evaluate((k) => H.waitOpen(k), key);
  return { bobKey, key };
}
