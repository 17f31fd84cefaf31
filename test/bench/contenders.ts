/**
 * The three contenders as Node sees them: two pages each (sender in one user, receiver in another),
 * their CDP probes, and the moves of the benchmark (connect, transfer, ping) with a time limit on each.
 */
import type { BrowserContext, Page } from "playwright-core";
import type { BrowserEnv } from "../support/env.js";
import { browserCpu, pageProbe, sharedWorkerProbe, type Probe } from "./cdp.js";
import type { Workload } from "./pages/bench-harness.js";
import type { Contender } from "./report.js";

export interface Side {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly probe: Probe;
  /** sharedpeer: the SharedWorker of this side's user. */
  readonly worker: Probe | undefined;
}

export interface Setup {
  readonly name: Contender;
  readonly sender: Side;
  readonly receiver: Side;
  readonly senderId: string;
  readonly receiverId: string;
  /** ms from `new Peer` to `open`, first tab, cold (sender side). */
  readonly coldOpenMs: number | undefined;
  /** CPU ms used so far by the whole browser. */
  readonly cpu: () => Promise<number>;
}

export interface TransferResult {
  /** From the first `send()` to the last message's `data` event. */
  readonly ms: number;
  /** Main-thread task time of each tab during the transfer. */
  readonly senderMainMs: number;
  readonly receiverMainMs: number;
  /** CPU time of every browser process during the transfer. */
  readonly cpuMs: number;
}

/** Runs `promise`, or fails with what was being done once `ms` passed. */
export function step<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[bench] timed out after ${ms} ms: ${what}`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? new Error(`[bench] ${what}: ${e.message}`) : e)),
    );
  });
}

export async function openBenchTab(env: BrowserEnv, context: BrowserContext, lib: Contender): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[pageerror ${lib}] ${error.message}`));
  if (process.env["BENCH_VERBOSE"]) page.on("console", (m) => console.log(`[page ${lib}] ${m.text()}`));
  await step(`load the ${lib} bench page`, page.goto(`${env.origin}/test/bench/pages/bench.html?lib=${lib}`));
  await step(
    `${lib} bench page ready`,
    page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true, undefined, { timeout: 20_000 }),
  );
  return page;
}

async function side(env: BrowserEnv, lib: Contender): Promise<Omit<Side, "worker">> {
  const context = await env.user();
  const page = await openBenchTab(env, context, lib);
  return { context, page, probe: await pageProbe(`${lib} tab`, page) };
}

async function openPeer(page: Page, id: string, options: Record<string, unknown>) {
  return step(
    `new Peer(${id}) → open`,
    page.evaluate(([i, o]) => B.openPeer(i, o), [id, options] as const),
  );
}

/** Pages, peers (not for bare) and the two measuring connections `bin` and `json`. */
export async function setUp(env: BrowserEnv, name: Contender, unique: string): Promise<Setup> {
  const s = await side(env, name);
  const r = await side(env, name);
  const senderId = `bench-${name}-a-${unique}`;
  const receiverId = `bench-${name}-b-${unique}`;
  let coldOpenMs: number | undefined;
  if (name !== "bare") {
    const received = await openPeer(r.page, receiverId, env.peerOptions);
    const opened = await openPeer(s.page, senderId, env.peerOptions);
    coldOpenMs = opened.ms;
    if (name === "sharedpeer" && (opened.mode !== "shared" || received.mode !== "shared")) {
      throw new Error(
        `[bench] sharedpeer runs its hub in "${opened.mode}"/"${received.mode}" mode, not in a SharedWorker: is dist/worker.js built? ` +
          "(`npm run build` produces it)",
      );
    }
  }
  const worker = async (x: Omit<Side, "worker">, who: string) =>
    name === "sharedpeer"
      ? step(`attach to the ${who} SharedWorker`, sharedWorkerProbe(env.browser, x.context, `sharedpeer ${who} worker`))
      : undefined;
  const setup: Setup = {
    name,
    sender: { ...s, worker: await worker(s, "sender") },
    receiver: { ...r, worker: await worker(r, "receiver") },
    senderId,
    receiverId,
    coldOpenMs,
    cpu: await browserCpu(env.browser),
  };
  await connect(setup, "bin", "binary");
  await connect(setup, "json", "json");
  return setup;
}

/** A new connection sender → receiver; ms from connect() to `open` on the sender. */
export async function connect(c: Setup, label: string, serialization: "binary" | "json"): Promise<number> {
  const { sender, receiver } = c;
  let ms: number;
  if (c.name === "bare") {
    const offer = await step(
      `bare offer ${label}`,
      sender.page.evaluate((l) => B.bareOffer(l), label),
    );
    const answer = await step(
      `bare answer ${label}`,
      receiver.page.evaluate(([l, o]) => B.bareAnswer(l, o), [label, offer.sdp] as const),
    );
    ms = await step(
      `bare open ${label}`,
      sender.page.evaluate(([l, a, t]) => B.bareFinish(l, a, t), [label, answer, offer.t0] as const),
    );
  } else {
    ms = await step(
      `${c.name} connect ${label}`,
      sender.page.evaluate(([id, l, ser]) => B.connect(id, l, ser), [c.receiverId, label, serialization] as const),
    );
  }
  await step(
    `${c.name} incoming ${label}`,
    receiver.page.evaluate((l) => B.incoming(l), label),
  );
  return ms;
}

export async function disconnect(c: Setup, label: string): Promise<void> {
  await step(
    `${c.name} close ${label}`,
    c.sender.page.evaluate((l) => B.close(l), label),
  );
  await step(
    `${c.name} close ${label} (receiver)`,
    c.receiver.page.evaluate((l) => B.close(l), label),
  );
}

/** Sends `w` on `label` and waits until the receiver has all of it. */
export async function transfer(c: Setup, label: string, w: Workload, ms = 60_000): Promise<TransferResult> {
  const { sender, receiver } = c;
  const what = `${c.name} ${w.kind} on ${label}`;
  await step(
    `${what}: prepare`,
    sender.page.evaluate(([l, x]) => B.prepare(l, x), [label, w] as const),
  );
  await step(
    `${what}: arm the receiver`,
    receiver.page.evaluate(([l, x]) => B.arm(l, x), [label, w] as const),
  );
  const [s0, r0, c0] = await step("read CDP metrics", Promise.all([sender.probe.taskMs(), receiver.probe.taskMs(), c.cpu()]));
  const t0 = await step(
    `${what}: start`,
    sender.page.evaluate(([l, x]) => B.start(l, x), [label, w] as const),
  );
  const got = await step(
    what,
    receiver.page.evaluate(([l, t]) => B.received(l, t), [label, ms] as const),
    ms + 5000,
  );
  await step(
    `${what}: sender finished`,
    sender.page.evaluate((l) => B.sent(l), label),
  );
  const [s1, r1, c1] = await step("read CDP metrics", Promise.all([sender.probe.taskMs(), receiver.probe.taskMs(), c.cpu()]));
  await step(
    `${what}: release`,
    sender.page.evaluate((l) => B.release(l), label),
  );
  return { ms: got.at - t0, senderMainMs: s1 - s0, receiverMainMs: r1 - r0, cpuMs: c1 - c0 };
}

/** `n` sequential 1-byte round trips on `label` (the receiver echoes). */
export async function ping(c: Setup, label: string, n: number): Promise<number[]> {
  await step(
    `${c.name} echo`,
    c.receiver.page.evaluate((l) => B.echo(l), label),
  );
  return step(
    `${c.name} ping ×${n}`,
    c.sender.page.evaluate(([l, k]) => B.ping(l, k), [label, n] as const),
    60_000,
  );
}

/**
 * How far the receiver's epoch clock is ahead of the sender's (ms; median of 9 bracketed reads).
 * Transfer times subtract one page's stamp from the other's, so this must stay near 0.
 */
export async function clockOffset(c: Setup): Promise<number> {
  const read = (page: Page) => page.evaluate(() => performance.timeOrigin + performance.now());
  const offsets: number[] = [];
  for (let i = 0; i < 9; i++) {
    const before = await read(c.sender.page);
    const remote = await read(c.receiver.page);
    const after = await read(c.sender.page);
    offsets.push(remote - (before + after) / 2);
  }
  return offsets.sort((a, b) => a - b)[4] ?? 0;
}

/** Every probe of a contender that can hold its data: both tabs, and sharedpeer's workers. */
export function memoryProbes(c: Setup): Array<{ role: string; probe: Probe }> {
  const out = [
    { role: "sender tab", probe: c.sender.probe },
    { role: "receiver tab", probe: c.receiver.probe },
  ];
  if (c.sender.worker) out.push({ role: "sender worker", probe: c.sender.worker });
  if (c.receiver.worker) out.push({ role: "receiver worker", probe: c.receiver.worker });
  return out;
}
