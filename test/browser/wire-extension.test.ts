/**
 * Two sharedpeers speak their wire extension (protocol.md §2.7, §5): every value arrives as on
 * peerjs's wire, bursts and mixed sizes keep their order, and with the extension switched off on
 * one side (`wireExtension: false`) the pair falls back to peerjs's wire and still works.
 */
import { afterAll, beforeAll, describe as suite, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { startBrowserEnv, type BrowserEnv } from "../support/env.js";
import { expectTransfer } from "../support/exchange.js";
import { binaryValues, rawValues, structuredValues } from "../fixtures/basic-values.js";

let env: BrowserEnv;
let alice: Page;
let bob: Page;
let carol: Page;
const run = Math.random().toString(36).slice(2, 8);
const ids = { alice: `alice-${run}`, bob: `bob-${run}`, carol: `carol-${run}` };
const SPEAKS = "speaks the sharedpeer wire extension";

/** A peer named "me" whose log lines (debug 3) the test can read back with `logged()`. */
async function peerOn(page: Page, id: string, wireExtension: boolean): Promise<void> {
  const opened = await page.evaluate(
    ([i, o, on]) => {
      const lines: string[] = [];
      (globalThis as unknown as { logLines: string[] }).logLines = lines;
      const logFunction = (_level: number, ...args: unknown[]) => lines.push(args.map(String).join(" "));
      return H.newPeer("me", [i, { ...o, debug: 3, logFunction, wireExtension: on }]);
    },
    [id, env.peerOptions, wireExtension] as const,
  );
  expect(opened).toBe(`open:${id}`);
}

const logged = (page: Page) => page.evaluate(() => (globalThis as unknown as { logLines: string[] }).logLines.slice());

/** `from` connects to `toId` with `serialization`; returns both ends' keys once both are open. */
async function connect(from: Page, to: Page, toId: string, serialization: string): Promise<{ out: string; inc: string }> {
  const out = await from.evaluate(([id, s]) => H.connect("me", id, { serialization: s, reliable: true }), [toId, serialization] as const);
  await from.evaluate((k) => H.waitOpen(k), out);
  const inc = `me/${out.split("/")[1]!}`;
  await to.evaluate((k) => H.waitOpen(k), inc);
  return { out, inc };
}

/** Lines of `page`'s log that say connection `key` uses the extension. */
const extensionLines = async (page: Page, key: string) =>
  (await logged(page)).filter((l) => l.includes(key.split("/")[1]!) && l.includes(SPEAKS));

beforeAll(async () => {
  env = await startBrowserEnv();
  const tab = async () => env.tab(await env.user());
  [alice, bob, carol] = [await tab(), await tab(), await tab()];
  await peerOn(alice, ids.alice, true);
  await peerOn(bob, ids.bob, true);
  await peerOn(carol, ids.carol, false);
});

afterAll(async () => {
  await env?.close();
});

suite("two sharedpeers with the wire extension", () => {
  test.each(["binary", "json"])(
    "%s: every value kind, both ways, in order; a flush close arrives behind the data",
    async (serialization) => {
      const { out, inc } = await connect(alice, bob, ids.bob, serialization);
      expect(await extensionLines(alice, out)).toHaveLength(1);
      expect(await extensionLines(bob, inc)).toHaveLength(1);
      await expectTransfer(alice, out, bob, inc, "structuredValues", structuredValues());
      await expectTransfer(bob, inc, alice, out, "structuredValues", structuredValues());
      if (serialization === "binary") {
        await expectTransfer(alice, out, bob, inc, "binaryValues", binaryValues());
        await expectTransfer(bob, inc, alice, out, "binaryValues", binaryValues());
      }
      await alice.evaluate((k) => H.close(k, true), out);
      await bob.evaluate((k) => H.waitEvent(k, "close"), inc);
      expect(await bob.evaluate((k) => H.connEvents(k), inc)).toEqual(["open", "close"]);
    },
  );

  test("raw: strings and ArrayBuffers as they are, both ways", async () => {
    const { out, inc } = await connect(bob, alice, ids.alice, "raw");
    await expectTransfer(bob, out, alice, inc, "rawValues", rawValues());
    await expectTransfer(alice, inc, bob, out, "rawValues", rawValues());
  });

  test("a burst of 100,000 tiny messages arrives complete and in order", async () => {
    const { out, inc } = await connect(alice, bob, ids.bob, "binary");
    await alice.evaluate((k) => H.sendNumbered(k, "t", 100_000), out);
    await bob.evaluate((k) => H.waitData(k, 100_000, 60_000), inc);
    const got = await bob.evaluate((k) => H.numbered(k), inc);
    expect(got).toEqual(Array.from({ length: 100_000 }, (_, i) => `t:${i}`));
  });

  test("tiny messages and 5 MiB ArrayBuffers keep their order", async () => {
    const { out, inc } = await connect(bob, alice, ids.alice, "binary");
    const sent = await bob.evaluate((k) => {
      const values: unknown[] = [];
      for (let i = 0; i < 30; i++) values.push(i % 10 === 5 ? V.filled(5 * 1024 * 1024, i) : { i });
      H.send(k, values);
      return H.describeAll(values);
    }, out);
    await alice.evaluate((k) => H.waitData(k, 30, 60_000), inc);
    expect(await alice.evaluate((k) => H.received(k), inc)).toEqual(sent);
  });
});

suite("the extension switched off on one side", () => {
  test.each([
    ["on → off", () => [alice, carol, ids.carol] as const],
    ["off → on", () => [carol, bob, ids.bob] as const],
  ])("%s: peerjs's wire, every value kind both ways", async (_, ends) => {
    const [from, to, toId] = ends();
    for (const serialization of ["binary", "json"]) {
      const { out, inc } = await connect(from, to, toId, serialization);
      await expectTransfer(from, out, to, inc, "structuredValues", structuredValues());
      await expectTransfer(to, inc, from, out, "structuredValues", structuredValues());
      if (serialization === "binary") await expectTransfer(to, inc, from, out, "binaryValues", binaryValues());
      expect(await extensionLines(from, out)).toEqual([]);
      expect(await extensionLines(to, inc)).toEqual([]);
      await from.evaluate((k) => H.close(k, true), out);
      await to.evaluate((k) => H.waitEvent(k, "close"), inc);
    }
  });
});
