import { readdirSync, readFileSync } from "node:fs";
import { firefox, type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import { assertNever } from "../../contract/assert-never.js";
import { findFirefox, loopbackFirefoxPrefs } from "../../testing/firefox.js";
import { workerName } from "../../src/worker-generation.js";
import { STUCK_ACK_CHANNEL, STUCK_CHANNEL, STUCK_WORKER_URL, type StuckOrder } from "../pages/stuck-order.js";
import { testEngine, type BrowserEnv, type EnvOptions } from "./env.js";

/**
 * Killing a user's SharedWorker for real, as a crash would, per engine (issue 12):
 * - Chromium: CDP `Target.closeTarget` on its `shared_worker` target.
 * - Firefox: no driver command ends a worker (WebDriver BiDi has none), so its process is killed
 *   (SIGKILL). Firefox runs a SharedWorker in the content process of the page that created it and
 *   keeps that process alive for it (RemoteWorkerManager::SelectTargetActorInternal,
 *   https://github.com/mozilla/gecko-dev/blob/master/dom/workers/remoteworkers/RemoteWorkerManager.cpp),
 *   so each worker is made to start from a "home" page of its own (`workerHomes`), in its own
 *   process, and the kill takes that page with it, never a tab under test. Killing a worker by its
 *   own `close()` instead is not the same: Firefox releases its Web Locks before it stops handing
 *   new connections to it, and a tab that reattaches at once gets the dying worker, which never answers.
 */

/** Env options for a file that kills workers: Firefox that survives a dead content process, and the stuck-able worker. */
export function killableWorkerEnv(options: EnvOptions = {}): EnvOptions {
  if (testEngine() !== "firefox") return options;
  return { ...options, peerDefaults: { workerUrl: STUCK_WORKER_URL }, launchFirefox: launchKillableFirefox };
}

/** Date.now() at which the worker was told to end. */
export interface Killed {
  readonly askedAt: number;
}

/**
 * Before the tabs under test open: in Firefox, `deaths` pages that will each be where one of the
 * user's successive workers runs (and dies). The first starts the worker; each next one queues on
 * the running worker's Web Lock before any tab does, so that it is granted first when that worker
 * dies and starts the replacement, under the next generation's name (src/worker-generation.ts),
 * before the tabs reattach to it. Chromium: nothing to do.
 */
export async function workerHomes(env: BrowserEnv, user: BrowserContext, deaths = 1): Promise<void> {
  if (env.engine !== "firefox") return;
  homes.length = 0;
  const first = await env.tab(user);
  const startHome = () =>
    first.evaluate(
      ([url, name]) => {
        (window as unknown as { home?: SharedWorker }).home = new SharedWorker(url, { type: "module", name });
      },
      [STUCK_WORKER_URL, workerName(0)] as const,
    );
  homes.push(await newWorkerProcess(startHome, "the first worker home"));
  for (let i = 1; i < deaths; i++) {
    const next = await env.tab(user);
    // Its worker starts only later: a dedicated worker now tells which process it is.
    homes.push(await newWorkerProcess(() => startMarker(next), `worker home ${i + 1}`));
    await next.evaluate(
      async ([url, name]) => {
        const deadline = Date.now() + 5000;
        let lock: string | undefined;
        while (!lock && Date.now() < deadline) {
          lock = (await navigator.locks.query()).held?.map((l) => l.name).find((n) => n?.startsWith("sharedpeer:worker:"));
          if (!lock) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        if (!lock) throw new Error("no running sharedpeer worker to queue behind");
        navigator.locks
          .request(lock, () => {
            (window as unknown as { home?: SharedWorker }).home = new SharedWorker(url, { type: "module", name });
          })
          .catch(() => undefined);
      },
      [STUCK_WORKER_URL, workerName(i)] as const,
    );
  }
}

/** Kills the SharedWorker of `tab`'s user; resolves once it is gone. */
export async function killWorker(env: BrowserEnv, tab: Page): Promise<Killed> {
  switch (env.engine) {
    case "chromium":
      return closeTarget(env.browser, tab);
    case "firefox":
      return killProcess();
    default:
      return assertNever(env.engine);
  }
}

/**
 * The worker of `tab`'s user stops answering (its thread busy for 30 s), `whileStuck` runs, then the
 * worker is killed: a hung worker that the browser then stops. Chromium stops a busy thread only
 * after Blink's forcible-termination delay (2 s); Firefox's process dies at once.
 */
export async function killStuckWorker(env: BrowserEnv, tab: Page, whileStuck: () => Promise<void>): Promise<Killed> {
  switch (env.engine) {
    case "chromium":
      await freezeSharedWorker(env.browser, tab, 30_000);
      await whileStuck();
      return closeTarget(env.browser, tab);
    case "firefox": {
      const order: StuckOrder = { stuckMs: 30_000 };
      await tab.evaluate(
        ([channel, ackChannel, o]) =>
          new Promise<void>((resolve, reject) => {
            const ack = new BroadcastChannel(ackChannel);
            const timer = setTimeout(() => reject(new Error("the worker did not say it is stuck")), 5000);
            ack.onmessage = () => {
              clearTimeout(timer);
              ack.close();
              resolve();
            };
            new BroadcastChannel(channel).postMessage(o);
          }),
        [STUCK_CHANNEL, STUCK_ACK_CHANNEL, order] as const,
      );
      await whileStuck();
      return killProcess();
    }
    default:
      return assertNever(env.engine);
  }
}

/**
 * `tab`'s page crashes as a renderer crash would, without a word to anyone: CDP `Page.crash` in
 * Chromium. Firefox has no such command over WebDriver BiDi, so the tab's content process is killed
 * (SIGKILL; each page of the killable Firefox has a process of its own): it is found as the process
 * that gains a "DOM Worker" thread when the tab starts a dedicated worker.
 */
export async function crashTab(env: BrowserEnv, tab: Page): Promise<Killed> {
  switch (env.engine) {
    case "chromium": {
      const cdp = await tab.context().newCDPSession(tab);
      const askedAt = Date.now();
      // The reply never comes from a crashed page: do not wait for it.
      cdp.send("Page.crash").catch(() => undefined);
      return { askedAt };
    }
    case "firefox": {
      const pid = await newWorkerProcess(() => startMarker(tab), "the crashing tab");
      const askedAt = Date.now();
      process.kill(pid, "SIGKILL");
      return { askedAt };
    }
    default:
      return assertNever(env.engine);
  }
}

/** A dedicated worker in `tab` that does nothing: it marks the tab's process. */
function startMarker(tab: Page): Promise<void> {
  return tab.evaluate(() => {
    const idle = URL.createObjectURL(new Blob(["setInterval(() => {}, 1000)"], { type: "text/javascript" }));
    (window as unknown as { marker?: Worker }).marker = new Worker(idle);
  });
}

/**
 * The one process of ours that starts running a worker thread when `start` runs, waited for up to
 * 5 s. Tabs under test run workers too (the channel worker), so a process is known by this moment.
 */
async function newWorkerProcess(start: () => Promise<void>, what: string): Promise<number> {
  const before = new Set(workerProcesses());
  await start();
  const isNew = (pid: number) => !before.has(pid);
  const deadline = Date.now() + 5000;
  let fresh = workerProcesses().filter(isNew);
  while (fresh.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    fresh = workerProcesses().filter(isNew);
  }
  if (fresh.length !== 1) throw new Error(`expected one process running ${what}, found ${fresh.length}`);
  return fresh[0]!;
}

const WRAPPER = new URL("./firefox-keeps-running.sh", import.meta.url).pathname;

/** `launchFirefox(extraPrefs)`, but through test/support/firefox-keeps-running.sh, and a process per page of a site. */
async function launchKillableFirefox(extraPrefs: Record<string, string>): Promise<Browser> {
  const real = findFirefox();
  if (real === undefined) throw new Error("killing a Firefox worker's process needs a system Firefox (FIREFOX_PATH)");
  return firefox.launch({
    channel: "moz-firefox",
    executablePath: WRAPPER,
    env: { ...process.env, SHAREDPEER_FIREFOX: real },
    headless: true,
    // Up to 16 content processes per site (default 4): every page of a test in its own.
    firefoxUserPrefs: { ...loopbackFirefoxPrefs(), "dom.ipc.processCount.webIsolated": 16, ...extraPrefs },
    timeout: 60_000,
  });
}

/** The content processes of the worker homes (`workerHomes`), in the order their workers die. */
const homes: number[] = [];

/** SIGKILL to the process of the next worker home. */
async function killProcess(): Promise<Killed> {
  const pid = homes.shift();
  if (pid === undefined) throw new Error("no worker home left to kill: workerHomes(env, user, deaths) makes one per death");
  const askedAt = Date.now();
  process.kill(pid, "SIGKILL");
  return { askedAt };
}

/**
 * Content processes of the Firefox this Node process started (`-parentPid` names it) that run a
 * "DOM Worker" thread. Only ours: other browsers on the machine are not ours to kill.
 */
function workerProcesses(): number[] {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  const pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  const ours = new Set(pids.filter((pid) => read(`/proc/${pid}/stat`).split(") ")[1]?.split(" ")[1] === String(process.pid)));
  return pids
    .filter((pid) => {
      // Processes from Firefox's fork server have their arguments in one string, space-separated.
      const args = read(`/proc/${pid}/cmdline`).split(/[\0 ]/);
      const parent = args[args.indexOf("-parentPid") + 1];
      return args.includes("-isForBrowser") && parent !== undefined && ours.has(parent);
    })
    .filter((pid) => {
      let threads: string[] = [];
      try {
        threads = readdirSync(`/proc/${pid}/task`);
      } catch {
        return false;
      }
      return threads.some((t) => read(`/proc/${pid}/task/${t}/comm`).trim() === "DOM Worker");
    })
    .map(Number);
}

interface TargetInfo {
  readonly targetId: string;
  readonly type: string;
  readonly browserContextId?: string;
}

/** CDP from a browser-level session (Playwright does not list shared workers). */
async function closeTarget(browser: Browser, tab: Page): Promise<Killed> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const workers = await workersOf(cdp, tab);
    await cdp.send("Target.setDiscoverTargets", { discover: true });
    const gone = new Set(workers.map((w) => w.targetId));
    const destroyed = new Promise<void>((resolve) =>
      cdp.on("Target.targetDestroyed", ({ targetId }: { targetId: string }) => {
        gone.delete(targetId);
        if (gone.size === 0) resolve();
      }),
    );
    const askedAt = Date.now();
    for (const worker of workers) await cdp.send("Target.closeTarget", { targetId: worker.targetId });
    await destroyed;
    return { askedAt };
  } finally {
    await cdp.detach();
  }
}

async function workersOf(cdp: CDPSession, tab: Page): Promise<TargetInfo[]> {
  const page = await tab.context().newCDPSession(tab);
  const { targetInfo } = (await page.send("Target.getTargetInfo")) as { targetInfo: TargetInfo };
  await page.detach();
  const { targetInfos } = (await cdp.send("Target.getTargets")) as { targetInfos: TargetInfo[] };
  const workers = targetInfos.filter((t) => t.type === "shared_worker" && t.browserContextId === targetInfo.browserContextId);
  if (workers.length === 0) throw new Error("this tab's user has no SharedWorker");
  return workers;
}

/** Keeps the worker's thread busy for `ms`: CDP `Runtime.evaluate` inside it, through a non-flattened session. */
async function freezeSharedWorker(browser: Browser, tab: Page, ms: number): Promise<void> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const [worker] = await workersOf(cdp, tab);
    const { sessionId } = (await cdp.send("Target.attachToTarget", { targetId: worker!.targetId, flatten: false })) as {
      sessionId: string;
    };
    const expression = `setTimeout(() => { const end = Date.now() + ${ms}; while (Date.now() < end); }, 0)`;
    const message = JSON.stringify({ id: 1, method: "Runtime.evaluate", params: { expression } });
    // Its answer means the loop is queued to run next, so a tab's call made after it finds the thread
    // busy; without this wait a call could run before the loop (a stats call resolved, 1 run in 5).
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the worker did not answer Runtime.evaluate")), 5000);
      cdp.on("Target.receivedMessageFromTarget", (event: { sessionId: string; message: string }) => {
        if (event.sessionId !== sessionId || (JSON.parse(event.message) as { id?: number }).id !== 1) return;
        clearTimeout(timer);
        resolve();
      });
    });
    await cdp.send("Target.sendMessageToTarget", { sessionId, message });
    await answered;
    await cdp.send("Target.detachFromTarget", { sessionId });
  } finally {
    await cdp.detach();
  }
}
