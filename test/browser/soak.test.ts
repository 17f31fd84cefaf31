/**
 * Soak: five tabs share alice; four remotes, each its own user, exchange SOAK_MESSAGES numbered
 * messages per pair each way (alice's spread over her five tabs, one numbered stream per tab) of
 * mixed sizes up to 1 MiB. Nothing may be lost, duplicated or reordered within a sender's stream,
 * and the worker's counts must come back once everything closed.
 *
 * `npm run soak` runs it with SOAK_MESSAGES=20000.
 */
import { expect, test } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { useBrowserEnv } from "../support/env.js";
import { prng } from "../support/seeded.js";

const MESSAGES = Number(process.env["SOAK_MESSAGES"] ?? 2000);
if (!Number.isInteger(MESSAGES) || MESSAGES < 1)
  throw new Error(`SOAK_MESSAGES must be a positive integer, not "${process.env["SOAK_MESSAGES"]}"`);
const TABS = 5;
const REMOTES = 4;
const MiB = 1024 * 1024;

const env = useBrowserEnv();
const run = Math.random().toString(36).slice(2, 7);

/**
 * Pad sizes of one stream: mostly up to 256 bytes, 5% up to 32 KiB (chunked above 16300), 0.2%
 * from 64 KiB to 1 MiB; streams with `withMiB` also carry one message of exactly 1 MiB.
 */
function streamSizes(seed: number, count: number, withMiB: boolean): number[] {
  const random = prng(seed);
  const sizes = Array.from({ length: count }, () => {
    const r = random();
    if (r < 0.002) return 64 * 1024 + Math.floor(random() * (MiB - 64 * 1024));
    if (r < 0.05) return 1024 + Math.floor(random() * 31 * 1024);
    return Math.floor(random() * 257);
  });
  if (withMiB && count > 0) sizes[Math.floor(random() * count)] = MiB;
  return sizes;
}

/** How many of `total` messages alice's tab `tab` sends. */
const share = (total: number, tab: number) => Math.floor(total / TABS) + (tab < total % TABS ? 1 : 0);

/** What a page saw of one sender's stream: the seq and pad size of each message, in arrival order. */
interface Stream {
  seqs: number[];
  sizes: number[];
}

interface SoakReport {
  streams: Record<string, Stream>;
  /** Messages whose pad was not an ArrayBuffer of the expected bytes. */
  bad: string[];
  errors: string[];
  received: number;
}

/**
 * Runs in a page after its Peer "me" opened: keeps, for every data connection this tab sees, the
 * seq and size of each message per sender stream (`<remote id>|<tab>`), not the messages.
 */
function installSoak(): void {
  interface Conn {
    peer: string;
    connectionId: string;
    open: boolean;
    on(event: string, fn: (arg: never) => void): void;
    send(data: unknown): unknown;
    close(): void;
  }
  interface Message {
    tab: number;
    seq: number;
    pad: unknown;
  }
  const conns = new Map<string, Conn>();
  const opened = new Set<string>();
  const closed = new Set<string>();
  const report = {
    streams: {} as Record<string, { seqs: number[]; sizes: number[] }>,
    bad: [] as string[],
    errors: [] as string[],
    received: 0,
  };
  const track = (conn: Conn): Conn => {
    if (conns.has(conn.connectionId)) return conn;
    conns.set(conn.connectionId, conn);
    if (conn.open) opened.add(conn.connectionId);
    conn.on("open", () => opened.add(conn.connectionId));
    conn.on("close", () => closed.add(conn.connectionId));
    conn.on("error", ((e: { type?: string; message?: string }) =>
      report.errors.push(`${conn.connectionId}:${e.type}:${e.message}`)) as never);
    conn.on("data", ((m: Message) => {
      report.received++;
      const key = `${conn.peer}|${m.tab}`;
      const stream = (report.streams[key] ??= { seqs: [], sizes: [] });
      stream.seqs.push(m.seq);
      if (!(m.pad instanceof ArrayBuffer)) {
        report.bad.push(`${key}:${m.seq}: pad is ${Object.prototype.toString.call(m.pad)}`);
        stream.sizes.push(-1);
        return;
      }
      stream.sizes.push(m.pad.byteLength);
      const bytes = new Uint8Array(m.pad);
      const fill = (m.seq * 7 + m.tab) & 0xff;
      for (const i of [0, bytes.length >> 1, bytes.length - 1]) {
        if (bytes.length > 0 && bytes[i] !== fill) report.bad.push(`${key}:${m.seq}: byte ${i} is ${bytes[i]}, not ${fill}`);
      }
    }) as never);
    return conn;
  };
  const peer = H.peer("me") as unknown as { on(e: string, f: (c: never) => void): void; connect(id: string, o: object): Conn };
  peer.on("connection", track as never);
  peer.on("sharedConnection", track as never);
  const until = (check: () => boolean, what: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const tick = () => {
        if (check()) return resolve();
        if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  (window as unknown as { SOAK: unknown }).SOAK = {
    connect: (remote: string) => track(peer.connect(remote, { reliable: true })).connectionId,
    waitOpen: (id: string) => until(() => opened.has(id), `${id} open`, 15_000),
    waitClosed: (ids: string[]) => until(() => ids.every((id) => closed.has(id)), `${ids.join(", ")} closed`, 15_000),
    waitReceived: (count: number, ms: number) => until(() => report.received >= count, `${count} messages (have ${report.received})`, ms),
    /** Sends the stream as fast as the API takes it; pad bytes are (seq * 7 + tab) & 0xff. */
    send(id: string, tab: number, sizes: number[]) {
      const conn = conns.get(id);
      if (!conn) throw new Error(`no connection ${id}`);
      sizes.forEach((size, seq) => conn.send({ tab, seq, pad: new Uint8Array(size).fill((seq * 7 + tab) & 0xff).buffer }));
    },
    close: (id: string) => conns.get(id)?.close(),
    report: () => report,
  };
}

interface Soak {
  connect(remote: string): string;
  waitOpen(id: string): Promise<void>;
  waitClosed(ids: string[]): Promise<void>;
  waitReceived(count: number, ms: number): Promise<void>;
  send(id: string, tab: number, sizes: number[]): void;
  close(id: string): void;
  report(): SoakReport;
}
declare global {
  /** The page's soak recorder, made by installSoak. */
  const SOAK: Soak;
}

/** Lost, duplicated and out-of-order counts of a stream that should be seq 0..expected.length-1. */
function audit(stream: Stream | undefined, expected: number[]) {
  const seqs = stream?.seqs ?? [];
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  let wrongSize = 0;
  seqs.forEach((seq, i) => {
    if (seen.has(seq)) duplicated++;
    seen.add(seq);
    if (i > 0 && seq < seqs[i - 1]!) reordered++;
    if (stream!.sizes[i] !== expected[seq]) wrongSize++;
  });
  const lost = expected.filter((_, seq) => !seen.has(seq)).length;
  return { lost, duplicated, reordered, wrongSize };
}
const CLEAN = { lost: 0, duplicated: 0, reordered: 0, wrongSize: 0 };

test(
  `soak: ${TABS} tabs share alice, ${REMOTES} remotes, ${MESSAGES} messages per pair each way up to 1 MiB: none lost, duplicated or reordered; counts return`,
  async () => {
    const alice = `alice-${run}`;
    const remoteIds = Array.from({ length: REMOTES }, (_, r) => `remote${r}-${run}`);
    const user = await env.user();
    const tabs: Page[] = [];
    for (let t = 0; t < TABS; t++) {
      const tab = await env.tab(user);
      expect(await tab.evaluate(([id, o]) => H.newPeer("me", [id, o], { listen: false }), [alice, env.peerOptions] as const)).toBe(
        `open:${alice}`,
      );
      await tab.evaluate(installSoak);
      tabs.push(tab);
    }
    const remoteUsers: BrowserContext[] = [];
    const remotes: Page[] = [];
    for (const id of remoteIds) {
      const remoteUser = await env.user();
      const page = await env.tab(remoteUser);
      expect(await page.evaluate(([i, o]) => H.newPeer("me", [i, o], { listen: false }), [id, env.peerOptions] as const)).toBe(
        `open:${id}`,
      );
      await page.evaluate(installSoak);
      remoteUsers.push(remoteUser);
      remotes.push(page);
    }
    const baseline = await tabs[0]!.evaluate(() => H.stats("me"));

    // Half the pairs dial in (the worker picks a host tab), half are dialled by one of alice's tabs.
    const connectionIds: string[] = [];
    for (const [r, page] of remotes.entries()) {
      const id =
        r % 2 === 0
          ? await page.evaluate((to) => SOAK.connect(to), alice)
          : await tabs[r % TABS]!.evaluate((to) => SOAK.connect(to), remoteIds[r]!);
      for (const p of [page, ...tabs]) await p.evaluate((c) => SOAK.waitOpen(c), id);
      connectionIds.push(id);
    }

    // Sizes per stream: alice's tab t towards remote r, and remote r towards alice.
    const aliceSizes = remoteIds.map((_, r) =>
      Array.from({ length: TABS }, (_, t) => streamSizes(1000 + r * 10 + t, share(MESSAGES, t), t === r % TABS)),
    );
    const remoteSizes = remoteIds.map((_, r) => streamSizes(2000 + r, MESSAGES, true));
    const bytes = [...aliceSizes.flat(2), ...remoteSizes.flat()].reduce((a, b) => a + b, 0);

    const started = Date.now();
    await Promise.all([
      ...tabs.map((tab, t) =>
        tab.evaluate(([ids, t, sizes]) => ids.forEach((id, r) => SOAK.send(id, t, sizes[r]!)), [
          connectionIds,
          t,
          aliceSizes.map((s) => s[t]!),
        ] as const),
      ),
      ...remotes.map((page, r) => page.evaluate(([id, sizes]) => SOAK.send(id, 0, sizes), [connectionIds[r]!, remoteSizes[r]!] as const)),
    ]);
    const budget = 30_000 + MESSAGES * 20;
    await Promise.all(
      [...tabs, ...remotes].map((p, i) =>
        p.evaluate(([n, ms]) => SOAK.waitReceived(n, ms), [i < TABS ? REMOTES * MESSAGES : MESSAGES, budget] as const),
      ),
    ).catch(async (error: unknown) => {
      // Say what each page saw, not only that one timed out.
      const seen = await Promise.all(
        [...tabs, ...remotes].map(async (p) => {
          const { received, errors } = await p.evaluate(() => SOAK.report());
          return `${received} received${errors.length > 0 ? `, errors: ${errors.slice(0, 3).join("; ")}` : ""}`;
        }),
      );
      throw new Error(`${error instanceof Error ? error.message : String(error)}; pages: ${seen.join(" | ")}`);
    });
    const seconds = (Date.now() - started) / 1000;
    console.info(
      `soak: ${2 * MESSAGES * REMOTES} messages (${(bytes / MiB).toFixed(1)} MiB sent; alice's ${TABS} tabs each received all ${REMOTES * MESSAGES} of the remotes') in ${seconds.toFixed(1)} s`,
    );

    // Every alice tab got each remote's stream whole and in order; every remote got alice's five.
    for (const tab of tabs) {
      const report = await tab.evaluate(() => SOAK.report());
      expect(report.bad).toEqual([]);
      expect(report.errors).toEqual([]);
      expect(report.received).toBe(REMOTES * MESSAGES);
      remoteIds.forEach((id, r) => expect(audit(report.streams[`${id}|0`], remoteSizes[r]!), `${id} → alice`).toEqual(CLEAN));
    }
    for (const [r, page] of remotes.entries()) {
      const report = await page.evaluate(() => SOAK.report());
      expect(report.bad).toEqual([]);
      expect(report.errors).toEqual([]);
      expect(report.received).toBe(MESSAGES);
      for (let t = 0; t < TABS; t++)
        expect(audit(report.streams[`${alice}|${t}`], aliceSizes[r]![t]!), `alice tab ${t} → ${remoteIds[r]}`).toEqual(CLEAN);
    }

    // Everything closes; no Peer saw an error; the worker is back where it started.
    await Promise.all(remotes.map((page, r) => page.evaluate((id) => SOAK.close(id), connectionIds[r]!)));
    for (const tab of tabs) await tab.evaluate((ids) => SOAK.waitClosed(ids), connectionIds);
    for (const [r, page] of remotes.entries()) await page.evaluate((id) => SOAK.waitClosed([id]), connectionIds[r]!);
    for (const p of [...tabs, ...remotes])
      expect((await p.evaluate(() => H.peerEvents("me"))).filter((e) => e.startsWith("error"))).toEqual([]);
    await expect.poll(() => tabs[0]!.evaluate(() => H.stats("me"))).toEqual(baseline);
    await Promise.all([user.close(), ...remoteUsers.map((u) => u.close())]);
  },
  60_000 + MESSAGES * 40,
);
