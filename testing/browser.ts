import { chromium, firefox, type Browser, type BrowserContext, type Page } from "playwright-core";
import { findChromium, loopbackChromiumArgs, WEBRTC_PERMISSIONS, type LoopbackOptions } from "./chromium.js";
import { findFirefox, loopbackFirefoxPrefs } from "./firefox.js";

/** The browser engines `sharedpeer/testing` can launch. */
export type Engine = "chromium" | "firefox";

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
 * Headless Firefox set up for WebRTC on loopback (see `loopbackFirefoxPrefs`). A system Firefox
 * (`FIREFOX_PATH`, `/usr/bin/firefox-esr`, `/usr/bin/firefox`) is driven over WebDriver BiDi
 * (Playwright's `moz-firefox` channel); without one, Playwright's own Firefox build.
 *
 * @example
 * const browser = await launchFirefox();
 * const alice = await newUser(browser);
 */
export async function launchFirefox(extraPrefs: Record<string, string | number | boolean> = {}): Promise<Browser> {
  const executablePath = findFirefox(() => firefox.executablePath());
  return firefox.launch({
    ...(executablePath === undefined ? {} : { channel: "moz-firefox", executablePath }),
    headless: true,
    firefoxUserPrefs: { ...loopbackFirefoxPrefs(), ...extraPrefs },
    timeout: 60_000,
  });
}

/**
 * `launchChromium()` or `launchFirefox()`.
 *
 * @example
 * const browser = await launchBrowser(process.env.BROWSER === "firefox" ? "firefox" : "chromium");
 */
export function launchBrowser(engine: Engine): Promise<Browser> {
  switch (engine) {
    case "chromium":
      return launchChromium();
    case "firefox":
      return launchFirefox();
  }
}

/**
 * A browser context is one user: its pages share one SharedWorker; another context gets its own.
 * Chromium contexts get camera/microphone permission (without it no loopback ICE candidates);
 * Firefox has that from `loopbackFirefoxPrefs()`.
 *
 * @example
 * const [alice, bob] = [await newUser(browser), await newUser(browser)];
 */
export function newUser(browser: Browser): Promise<BrowserContext> {
  if (browser.browserType().name() === "firefox") return browser.newContext();
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
