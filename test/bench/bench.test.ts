/**
 * `npm run bench` (issue 5): sharedpeer vs the official peerjs 1.5.5 vs a bare RTCDataChannel, in one
 * Chromium, through one local PeerServer, the same work for each, contenders alternating run by run.
 * Prints one table with medians (min–max), ratios and targets, and writes test/bench/results/latest.json.
 *
 * Environment: BENCH_RUNS (default 5), BENCH_BIG_RUNS (5), BENCH_PROFILE=1 (CPU profiles of one bulk
 * and one small transfer per library into results/profiles/), BENCH_STRICT=1 (fail on a missed target).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { afterAll, expect, test } from "vitest";
import { startBrowserEnv, type BrowserEnv } from "../support/env.js";
import { topSelfTime } from "./cdp.js";
import { clockOffset, connect, disconnect, memoryProbes, openBenchTab, ping, setUp, step, transfer, type Setup } from "./contenders.js";
import type { Workload } from "./pages/bench-harness.js";
import { CONTENDERS, evaluate, fmt, renderTable, summarize, writeJson, type Contender, type Metric, type Target } from "./report.js";

const root = new URL("../..", import.meta.url).pathname;
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const BIG_RUNS = Number(process.env["BENCH_BIG_RUNS"] ?? 5);
const CONNECTS = 20;
const PING_ROUNDS = 4;
const PINGS_PER_ROUND = 50;
const ATTACH_TABS = 5;
const MiB = 1024 * 1024;
const BULK = { kind: "bulk", bytes: 16 * MiB } as const satisfies Workload;
const SMALL = { kind: "small", count: 10_000 } as const satisfies Workload;
const BIG = { kind: "many", count: 100, bytes: MiB } as const satisfies Workload;
/** The receiving page's main thread runs a BUSY_TASK_MS task every BUSY_EVERY_MS during these (issue 13). */
const BUSY_TASK_MS = 40;
const BUSY_EVERY_MS = 50;
const BUSY_BULK = { kind: "bulk", bytes: 4 * MiB } as const satisfies Workload;
const BUSY_SMALL = { kind: "small", count: 5_000 } as const satisfies Workload;
/** 100 MiB is "bounded" when no sharedpeer process grows by more than this over its baseline… */
const BOUNDED_GROWTH = 2 * 100 * MiB;
/** …and each gives back all but this much once collected. */
const BOUNDED_RETAINED = 16 * MiB;

const DEFS: ReadonlyArray<readonly [key: string, label: string, unit: string]> = [
  ["bulk", "bulk: one 16 MiB ArrayBuffer, binary", "MB/s"],
  ["bulk.send", "  sending tab main thread", "ms"],
  ["bulk.recv", "  receiving tab main thread", "ms"],
  ["bulk.cpu", "  CPU, all browser processes", "ms"],
  ["small-bin", "small: 10k objects, binary", "msg/s"],
  ["small-bin.send", "  sending tab main thread", "ms"],
  ["small-bin.recv", "  receiving tab main thread", "ms"],
  ["small-bin.cpu", "  CPU, all browser processes", "ms"],
  ["small-json", "small: 10k objects, json (bare: strings)", "msg/s"],
  ["small-json.send", "  sending tab main thread", "ms"],
  ["small-json.recv", "  receiving tab main thread", "ms"],
  ["small-json.cpu", "  CPU, all browser processes", "ms"],
  ["busy-bulk", `receiver busy (${BUSY_TASK_MS} ms task every ${BUSY_EVERY_MS} ms): 4 MiB, binary`, "MB/s"],
  ["busy-small", "receiver busy: 5k objects, binary", "msg/s"],
  ["connect", "connect() → open (bare: Node relays SDP)", "ms"],
  ["ping", "1-byte round trip", "ms"],
  ["cold-open", "first tab new Peer → open (cold: worker start)", "ms"],
  ["attach", "second tab new Peer(sameId) → open", "ms"],
  ["big", "100 × 1 MiB, binary", "MB/s"],
  ["big.send", "  sending tab main thread", "ms"],
  ["big.recv", "  receiving tab main thread", "ms"],
  ["big.cpu", "  CPU, all browser processes", "ms"],
  ["big.heap.sender tab", "  peak heap+buffers, sending tab", "MiB"],
  ["big.heap.receiver tab", "  peak heap+buffers, receiving tab", "MiB"],
  ["big.heap.sender worker", "  peak heap+buffers, sender's worker", "MiB"],
  ["big.heap.receiver worker", "  peak heap+buffers, receiver's worker", "MiB"],
];

const metrics = new Map<string, Metric>(DEFS.map(([key, label, unit]) => [key, { key, label, unit, samples: {} }]));
function record(key: string, who: Contender, value: number): void {
  const metric = metrics.get(key);
  if (!metric) throw new Error(`no metric ${key}`);
  (metric.samples[who] ??= []).push(value);
}

const started = Date.now();
const log = (text: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}`);
/** Contender order for round `i`: each goes first as often as the others. */
const rotation = (setups: readonly Setup[], i: number): Setup[] => setups.map((_, k) => setups[(i + k) % setups.length] as Setup);
const rate = (bytes: number, ms: number) => bytes / (ms / 1000) / 1e6;

let env: BrowserEnv | undefined;
afterAll(async () => {
  await env?.close();
});

function checkBuild(): void {
  const index = `${root}dist/index.js`;
  const worker = `${root}dist/worker.js`;
  if (!existsSync(index)) throw new Error("[bench] dist/index.js is missing: run `npm run build` first.");
  if (!existsSync(worker)) {
    throw new Error("[bench] dist/worker.js is missing, so sharedpeer would not run in a SharedWorker: run `npm run build`.");
  }
  if (statSync(worker).mtimeMs + 60_000 < statSync(index).mtimeMs) log("warning: dist/worker.js is older than dist/index.js");
}

async function measureThroughput(setups: readonly Setup[]): Promise<void> {
  log("warm-up: 16 MiB twice and 10k small messages per contender");
  for (const c of setups) {
    await transfer(c, "bin", BULK);
    await transfer(c, "bin", BULK);
    await transfer(c, "bin", SMALL);
    await transfer(c, "json", SMALL);
  }
  for (let run = 0; run < RUNS; run++) {
    log(`throughput run ${run + 1}/${RUNS}`);
    for (const c of rotation(setups, run)) {
      const bulk = await transfer(c, "bin", BULK);
      record("bulk", c.name, rate(BULK.bytes, bulk.ms));
      record("bulk.send", c.name, bulk.senderMainMs);
      record("bulk.recv", c.name, bulk.receiverMainMs);
      record("bulk.cpu", c.name, bulk.cpuMs);
      for (const [label, key] of [
        ["bin", "small-bin"],
        ["json", "small-json"],
      ] as const) {
        const small = await transfer(c, label, SMALL);
        record(key, c.name, SMALL.count / (small.ms / 1000));
        record(`${key}.send`, c.name, small.senderMainMs);
        record(`${key}.recv`, c.name, small.receiverMainMs);
        record(`${key}.cpu`, c.name, small.cpuMs);
      }
    }
  }
}

/** Throughput when the receiving tab's main thread is busy, as an app's often is: what a stalled page costs the data path. */
async function measureBusy(setups: readonly Setup[]): Promise<void> {
  for (let run = 0; run < RUNS; run++) {
    log(`busy receiver run ${run + 1}/${RUNS}`);
    for (const c of rotation(setups, run)) {
      await step(
        `${c.name} receiver busy`,
        c.receiver.page.evaluate(([task, every]) => B.busy(task, every), [BUSY_TASK_MS, BUSY_EVERY_MS] as const),
      );
      try {
        const bulk = await transfer(c, "bin", BUSY_BULK);
        record("busy-bulk", c.name, rate(BUSY_BULK.bytes, bulk.ms));
        const small = await transfer(c, "bin", BUSY_SMALL);
        record("busy-small", c.name, BUSY_SMALL.count / (small.ms / 1000));
      } finally {
        await step(
          `${c.name} receiver idle`,
          c.receiver.page.evaluate(() => B.idle()),
        );
      }
    }
  }
}

async function measureLatency(setups: readonly Setup[]): Promise<void> {
  log(`connect() → open, ${CONNECTS} per contender`);
  for (let i = 0; i < CONNECTS; i++) {
    for (const c of rotation(setups, i)) {
      const label = `lat-${i}`;
      record("connect", c.name, await connect(c, label, "binary"));
      await disconnect(c, label);
    }
  }
  log(`1-byte ping-pong, ${PING_ROUNDS * PINGS_PER_ROUND} per contender`);
  for (const c of setups) await ping(c, "bin", 20);
  for (let round = 0; round < PING_ROUNDS; round++) {
    for (const c of rotation(setups, round)) for (const rtt of await ping(c, "bin", PINGS_PER_ROUND)) record("ping", c.name, rtt);
  }
}

/** sharedpeer only: another tab of the same user asks for the id the first tab holds. */
async function measureAttach(sp: Setup, peerOptions: Record<string, unknown>): Promise<void> {
  log(`second tab attach, ${ATTACH_TABS} fresh tabs`);
  for (let k = 0; k < ATTACH_TABS; k++) {
    const page = await openBenchTab(env as BrowserEnv, sp.sender.context, "sharedpeer");
    const got = await step(
      "second tab new Peer(sameId) → open",
      page.evaluate(([id, o]) => B.openPeer(id, o), [sp.senderId, peerOptions] as const),
    );
    if (got.id !== sp.senderId || got.mode !== "shared") throw new Error(`[bench] second tab opened ${got.id} in ${got.mode} mode`);
    record("attach", "sharedpeer", got.ms);
    await page.close();
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface BigRun {
  readonly who: Contender;
  readonly role: string;
  readonly growth: number;
  readonly retained: number;
}

async function measureBig(setups: readonly Setup[]): Promise<BigRun[]> {
  const runs: BigRun[] = [];
  for (let run = 0; run < BIG_RUNS; run++) {
    log(`100 × 1 MiB run ${run + 1}/${BIG_RUNS}`);
    for (const c of rotation(setups, run)) {
      const probes = memoryProbes(c);
      await step("collect garbage", Promise.all(probes.map((p) => p.probe.gc())));
      const baseline = await step("read heaps", Promise.all(probes.map((p) => p.probe.heap())));
      const peaks = baseline.map((h) => h.bytes);
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const now = await step("read heaps", Promise.all(probes.map((p) => p.probe.heap())));
          now.forEach((h, i) => (peaks[i] = Math.max(peaks[i] ?? 0, h.bytes)));
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const result = await transfer(c, "bin", BIG, 120_000).finally(() => (sampling = false));
      await sampler;
      await step("collect garbage", Promise.all(probes.map((p) => p.probe.gc())));
      const after = await step("read heaps", Promise.all(probes.map((p) => p.probe.heap())));
      record("big", c.name, rate(BIG.count * BIG.bytes, result.ms));
      record("big.send", c.name, result.senderMainMs);
      record("big.recv", c.name, result.receiverMainMs);
      record("big.cpu", c.name, result.cpuMs);
      probes.forEach((p, i) => {
        record(`big.heap.${p.role}`, c.name, (peaks[i] ?? 0) / MiB);
        const base = baseline[i]?.bytes ?? 0;
        runs.push({ who: c.name, role: p.role, growth: (peaks[i] ?? 0) - base, retained: (after[i]?.bytes ?? 0) - base });
      });
    }
  }
  return runs;
}

/**
 * BENCH_PROFILE=1: one bulk and two small transfers per library under the CPU profiler (tabs and
 * sharedpeer's workers), top self times printed, .cpuprofile files written; then the same transfers
 * again counting MessagePort.postMessage calls per target (after profiling: the counter wraps postMessage).
 */
async function profile(setups: readonly Setup[]): Promise<void> {
  const dir = `${root}test/bench/results/profiles`;
  mkdirSync(dir, { recursive: true });
  const libs = setups.filter((s) => s.name !== "bare");
  const work = [
    ["bin", BULK, "bulk"],
    ["bin", SMALL, "small-bin"],
    ["json", SMALL, "small-json"],
  ] as const;
  for (const c of libs) {
    for (const [label, w, tag] of work) {
      const probes = memoryProbes(c);
      await Promise.all(probes.map((p) => p.probe.startProfile()));
      const result = await transfer(c, label, w);
      const profiles = await Promise.all(probes.map((p) => p.probe.stopProfile()));
      console.log(`\n=== profile: ${c.name} ${tag} (${fmt(result.ms)} ms under the profiler)`);
      profiles.forEach((prof, i) => {
        const role = probes[i]?.role ?? "?";
        writeFileSync(`${dir}/${c.name}-${tag}-${role.replace(" ", "-")}.cpuprofile`, JSON.stringify(prof));
        console.log(`--- ${role}\n${topSelfTime(prof, 10).join("\n")}`);
      });
    }
  }
  console.log("");
  for (const c of libs) {
    for (const [label, w, tag] of work) {
      const probes = memoryProbes(c);
      const before = await Promise.all(probes.map((p) => p.probe.postCount()));
      await transfer(c, label, w);
      const posts = await Promise.all(probes.map(async (p, i) => `${p.role} ${(await p.probe.postCount()) - (before[i] ?? 0)}`));
      console.log(`MessagePort.postMessage calls, ${c.name} ${tag}: ${posts.join(", ")}`);
    }
  }
}

function targets(bigRuns: readonly BigRun[]): Target[] {
  const mine = bigRuns.filter((r) => r.who === "sharedpeer");
  const worstGrowth = mine.reduce(
    (a, r) => (r.growth > a.growth ? r : a),
    mine[0] ?? { growth: 0, role: "-", retained: 0, who: "sharedpeer" },
  );
  const worstRetained = mine.reduce(
    (a, r) => (r.retained > a.retained ? r : a),
    mine[0] ?? { growth: 0, role: "-", retained: 0, who: "sharedpeer" },
  );
  const bounded = mine.length > 0 && worstGrowth.growth <= BOUNDED_GROWTH && worstRetained.retained <= BOUNDED_RETAINED;
  return [
    { metric: "bulk", against: "peerjs", op: ">=", value: 1.2 },
    { metric: "bulk", against: "bare", op: ">=", value: 0.85 },
    { metric: "bulk.recv", against: "peerjs", op: "<=", value: 0.25 },
    { metric: "small-bin", against: "peerjs", op: ">=", value: 1.5 },
    { metric: "small-bin", against: "bare", op: ">=", value: 0.8 },
    { metric: "small-bin.recv", against: "peerjs", op: "<=", value: 0.25 },
    { metric: "small-json", against: "peerjs", op: ">=", value: 1.0 },
    { metric: "small-json", against: "bare", op: ">=", value: 0.8 },
    { metric: "small-json.recv", against: "peerjs", op: "<=", value: 0.25 },
    { metric: "connect", against: "peerjs", op: "<=", value: 1.2 },
    // Issue 14, the wire extension between two sharedpeers (the sharedpeer contender is a pair of them).
    { metric: "small-bin", against: "peerjs", op: ">=", value: 3 },
    { metric: "small-json", against: "peerjs", op: ">=", value: 3 },
    { metric: "bulk", against: "bare", op: ">=", value: 0.95 },
    { metric: "ping", against: "peerjs", op: "<=", value: 1.5 },
    { metric: "attach", against: "absolute", op: "<", value: 50, unit: "ms" },
    {
      metric: "big",
      against: "check",
      text: `bounded: growth ≤ ${BOUNDED_GROWTH / MiB} MiB, retained ≤ ${BOUNDED_RETAINED / MiB} MiB`,
      pass: bounded,
      detail: `max growth ${fmt(worstGrowth.growth / MiB)} MiB (${worstGrowth.role}), max retained after GC ${fmt(worstRetained.retained / MiB)} MiB (${worstRetained.role})`,
    },
  ];
}

test("sharedpeer vs peerjs 1.5.5 vs bare RTCDataChannel", async () => {
  checkBuild();
  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > 1)
    log(`warning: load average ${loadBefore.toFixed(1)} on ${cpus().length} cores: other processes compete, numbers will be noisy`);
  log("starting PeerServer, Vite and Chromium");
  env = await step("start the browser environment", startBrowserEnv(), 90_000);
  const unique = Math.random().toString(36).slice(2, 8);
  const setups: Setup[] = [];
  const clockOffsets: Partial<Record<Contender, number>> = {};
  for (const name of CONTENDERS) {
    log(`setting up ${name}`);
    const c = await step(`set up ${name}`, setUp(env, name, unique), 60_000);
    if (c.coldOpenMs !== undefined) record("cold-open", name, c.coldOpenMs);
    const offset = await clockOffset(c);
    if (Math.abs(offset) > 2) log(`warning: the ${name} pages' clocks differ by ${offset.toFixed(2)} ms; transfer times carry that error`);
    clockOffsets[name] = offset;
    setups.push(c);
  }
  await measureThroughput(setups);
  await measureBusy(setups);
  await measureLatency(setups);
  const sp = setups.find((s) => s.name === "sharedpeer") as Setup;
  await measureAttach(sp, env.peerOptions);
  const bigRuns = await measureBig(setups);
  if (process.env["BENCH_PROFILE"]) await profile(setups);

  const all = [...metrics.values()];
  const results = targets(bigRuns).map((t) => evaluate(t, metrics));
  const seconds = (Date.now() - started) / 1000;
  const meta = {
    date: new Date().toISOString(),
    chromium: env.browser.version(),
    runs: RUNS,
    bigRuns: BIG_RUNS,
    connects: CONNECTS,
    pings: PING_ROUNDS * PINGS_PER_ROUND,
    seconds,
    cores: cpus().length,
    clockOffsetsMs: clockOffsets,
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    units:
      "MB = 10^6 bytes; MiB = 2^20 bytes; main thread = CDP Performance TaskDuration delta; heap = Runtime.getHeapUsage usedSize + backingStorageSize",
    bigRunsDetail: bigRuns.map((r) => ({ ...r, growth: r.growth / MiB, retained: r.retained / MiB })),
  };
  console.log(
    `\nsharedpeer benchmark: Chromium ${meta.chromium}, ${RUNS} runs (100 MiB: ${BIG_RUNS}), median (min–max), ${seconds.toFixed(0)} s, ` +
      `load average ${meta.loadAverage.before.toFixed(1)} → ${meta.loadAverage.after.toFixed(1)} on ${meta.cores} cores`,
  );
  console.log(renderTable(all, results));
  const failed = results.filter((r) => !r.pass);
  console.log(`\ntargets: ${results.length - failed.length} passed, ${failed.length} failed`);
  for (const r of failed) console.log(`  FAIL [${r.metric}] ${metrics.get(r.metric)?.label.trim()}: ${r.text}, got ${r.actual}`);
  const big = results.find((r) => r.metric === "big");
  if (big) console.log(`  100 MiB memory: ${big.actual}`);
  const out = `${root}test/bench/results/latest.json`;
  writeJson(out, meta, all, results);
  console.log(`written ${out}`);
  for (const m of ["bulk", "small-bin", "connect"]) expect(summarize(metrics.get(m)?.samples.sharedpeer)).toBeDefined();
  if (process.env["BENCH_STRICT"]) expect(failed.map((r) => `${r.metric} ${r.text}`)).toEqual([]);
}, 600_000);
