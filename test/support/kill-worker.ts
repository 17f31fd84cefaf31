import type { Browser, CDPSession, Page } from "playwright-core";

interface TargetInfo {
  readonly targetId: string;
  readonly type: string;
  readonly browserContextId?: string;
}

/**
 * Kills the SharedWorker of `tab`'s user for real, as a crash or DevTools' "terminate" would:
 * CDP `Target.closeTarget` on its `shared_worker` target, from a browser-level session (Playwright
 * does not list shared workers). Chromium only. Resolves, once the worker is gone, with the
 * Date.now() at which it was told to close and the one at which its target was gone (a busy worker
 * thread is stopped only after Blink's forcible-termination delay, 2 s).
 */
export async function killSharedWorker(browser: Browser, tab: Page): Promise<{ askedAt: number; goneAt: number }> {
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
    return { askedAt, goneAt: Date.now() };
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

/**
 * Makes the SharedWorker of `tab`'s user stop answering (its thread busy for `ms`), as a stuck
 * worker would: CDP `Runtime.evaluate` inside it, through a non-flattened session.
 */
export async function freezeSharedWorker(browser: Browser, tab: Page, ms: number): Promise<void> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const [worker] = await workersOf(cdp, tab);
    const { sessionId } = (await cdp.send("Target.attachToTarget", { targetId: worker!.targetId, flatten: false })) as {
      sessionId: string;
    };
    const expression = `setTimeout(() => { const end = Date.now() + ${ms}; while (Date.now() < end); }, 0)`;
    const message = JSON.stringify({ id: 1, method: "Runtime.evaluate", params: { expression } });
    await cdp.send("Target.sendMessageToTarget", { sessionId, message });
    await cdp.send("Target.detachFromTarget", { sessionId });
  } finally {
    await cdp.detach();
  }
}
