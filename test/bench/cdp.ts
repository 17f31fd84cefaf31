/**
 * What the benchmark reads over the Chrome DevTools Protocol: main-thread busy time of a page,
 * JS heap of a page or a SharedWorker, garbage collection, and CPU profiles.
 * Playwright does not report shared workers, so they are attached through the browser session.
 */
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";

/** A CDP command channel to one target (page or worker), untyped on purpose: we use five commands. */
type Send = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

export interface HeapSample {
  /** JS heap in use plus ArrayBuffer backing stores (bytes): what buffered messages really cost. */
  readonly bytes: number;
  readonly used: number;
  readonly backing: number;
}

export interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** One target the benchmark watches. */
export class Probe {
  constructor(
    readonly name: string,
    private readonly send: Send,
  ) {}

  /** Cumulative main-thread task time of the page's renderer, in ms (Performance.getMetrics TaskDuration). */
  async taskMs(): Promise<number> {
    const { metrics } = (await this.send("Performance.getMetrics")) as { metrics: Array<{ name: string; value: number }> };
    const task = metrics.find((m) => m.name === "TaskDuration");
    if (!task) throw new Error(`${this.name}: no TaskDuration metric`);
    return task.value * 1000;
  }

  async heap(): Promise<HeapSample> {
    const h = (await this.send("Runtime.getHeapUsage")) as { usedSize: number; backingStorageSize?: number };
    const backing = h.backingStorageSize ?? 0;
    return { bytes: h.usedSize + backing, used: h.usedSize, backing };
  }

  async gc(): Promise<void> {
    await this.send("HeapProfiler.collectGarbage");
  }

  /** Evaluates `expression` in the target and returns its value. */
  async evaluate(expression: string): Promise<unknown> {
    const r = (await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: unknown };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(`${this.name}: ${r.exceptionDetails.text}`);
    return r.result.value;
  }

  /**
   * MessagePort.postMessage calls made in this target so far (counting starts at the first call):
   * each is a structured clone and, between a tab and its SharedWorker, a hop between processes.
   */
  async postCount(): Promise<number> {
    return Number(await this.evaluate(COUNT_POSTS));
  }

  async startProfile(): Promise<void> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: 200 });
    await this.send("Profiler.start");
  }

  async stopProfile(): Promise<CpuProfile> {
    const { profile } = (await this.send("Profiler.stop")) as { profile: CpuProfile };
    await this.send("Profiler.disable");
    return profile;
  }
}

const COUNT_POSTS = `(() => {
  const g = globalThis;
  if (g.__benchPosts === undefined) {
    g.__benchPosts = 0;
    const original = MessagePort.prototype.postMessage;
    MessagePort.prototype.postMessage = function (...args) { g.__benchPosts++; return original.apply(this, args); };
  }
  return g.__benchPosts;
})()`;

export async function pageProbe(name: string, page: Page): Promise<Probe> {
  const session: CDPSession = await page.context().newCDPSession(page);
  const send = session.send.bind(session) as unknown as Send;
  await send("Performance.enable");
  return new Probe(name, send);
}

/**
 * The SharedWorker of `context` (one per browser context), attached without flattening: commands go
 * through Target.sendMessageToTarget and answers come back as Target.receivedMessageFromTarget,
 * because Playwright's CDPSession does not route by sessionId.
 */
export async function sharedWorkerProbe(browser: Browser, context: BrowserContext, name: string, ms = 5000): Promise<Probe> {
  const contextId = await browserContextId(context);
  const cdp = await browser.newBrowserCDPSession();
  const send = cdp.send.bind(cdp) as unknown as Send;
  const targetId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${name}: no shared_worker target in that browser context within ${ms} ms (did the page fall back to another worker mode?)`,
          ),
        ),
      ms,
    );
    cdp.on("Target.targetCreated", ({ targetInfo }) => {
      if (targetInfo.type === "shared_worker" && targetInfo.browserContextId === contextId) {
        clearTimeout(timer);
        resolve(targetInfo.targetId);
      }
    });
    send("Target.setDiscoverTargets", { discover: true }).catch(reject);
  });
  const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: false })) as { sessionId: string };
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  cdp.on("Target.receivedMessageFromTarget", (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${name}: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  const toWorker: Send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  return new Probe(name, toWorker);
}

async function browserContextId(context: BrowserContext): Promise<string> {
  const page = context.pages()[0];
  if (!page) throw new Error("the browser context has no page");
  const session = await context.newCDPSession(page);
  const { targetInfo } = await session.send("Target.getTargetInfo");
  await session.detach();
  if (!targetInfo.browserContextId) throw new Error("no browserContextId for the page");
  return targetInfo.browserContextId;
}

/**
 * CPU time used so far by every process of the browser (browser, renderers, GPU, network service), in ms.
 * On two cores this is what a transfer really costs, whatever else the machine is doing.
 */
export async function browserCpu(browser: Browser): Promise<() => Promise<number>> {
  const cdp = await browser.newBrowserCDPSession();
  return async () => {
    const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
    return processInfo.reduce((sum, p) => sum + p.cpuTime, 0) * 1000;
  };
}

/** The functions with the most self time in `profile`, heaviest first, as printable lines. */
export function topSelfTime(profile: CpuProfile, count = 12): string[] {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((nodeId, i) => self.set(nodeId, (self.get(nodeId) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const key =
      functionName === "(idle)" || functionName === "(program)" || functionName === "(garbage collector)"
        ? functionName
        : `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    if (functionName !== "(idle)") busy += us;
  }
  const total = profile.endTime - profile.startTime || 1;
  const lines = [...byFunction.entries()]
    .filter(([key]) => key !== "(idle)")
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`);
  return [`busy ${(busy / 1000).toFixed(1)} ms of ${(total / 1000).toFixed(1)} ms profiled`, ...lines];
}
