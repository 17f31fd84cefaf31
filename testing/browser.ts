import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { findChromium, loopbackChromiumArgs, WEBRTC_PERMISSIONS, type LoopbackOptions } from "./chromium.js";

/**
 * Headless Chromium set up for WebRTC on loopback (see `loopbackChromiumArgs`).
 *
 * @example
 * const browser = await launchChromium();
 * const alice = await newUser(browser);          // one user: its tabs share one SharedWorker
 * const [tab1, tab2] = await openTabs(alice, url, 2);
 * const lan = await launchChromium([], { mapHosts: ["lan.test"] }); // an insecure origin: http://lan.test:PORT
 */
export async function launchChromium(extraArgs: readonly string[] = [], options: LoopbackOptions = {}): Promise<Browser> {
  const executablePath = findChromium(() => chromium.executablePath());
  return chromium.launch({
    ...(executablePath === undefined ? {} : { executablePath }),
    headless: true,
    args: [...loopbackChromiumArgs(options), ...extraArgs],
    timeout: 60_000,
  });
}

/**
 * A browser context is one user: its pages share one SharedWorker; another context gets its own.
 *
 * @example
 * const [alice, bob] = [await newUser(browser), await newUser(browser)];
 */
export function newUser(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ permissions: [...WEBRTC_PERMISSIONS] });
}

/**
 * Opens `count` tabs of one user at `url`, in order.
 *
 * @example
 * const [tab1, tab2] = await openTabs(alice, "http://127.0.0.1:5173/", 2);
 */
export async function openTabs(user: BrowserContext, url: string, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await user.newPage();
    await page.goto(url);
    pages.push(page);
  }
  return pages;
}
