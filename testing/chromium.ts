import { findExecutable } from "./find-executable.js";

/**
 * Playwright passes its own `--disable-features` list, and Chromium keeps only the last such
 * switch: so ours repeats Playwright's (1.65) and adds what WebRTC on loopback needs.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  "AvoidUnnecessaryBeforeUnloadCheckSync",
  "DestroyProfileOnBrowserClose",
  "HttpsUpgrades",
  "HttpsFirstBalancedModeAutoEnable",
  "LensOverlay",
  "MediaRouter",
  "PaintHolding",
  "ThirdPartyStoragePartitioning",
  "AvoidCorsURLLoaderRestartOnRedirect",
  "TcpPortRandomizationWin",
  "OptimizationHints",
  "NetworkTimeServiceQuerying",
  "AimEnabled",
  "PreconnectToSearch",
  "msForceBrowserSignIn",
  "msEdgeUpdateLaunchServicesPreferredVersion",
];

/**
 * Options of `loopbackChromiumArgs` and `launchChromium`.
 *
 * @example
 * const browser = await launchChromium([], { mapHosts: ["lan.test"] }); // then open http://lan.test:5173/
 */
export interface LoopbackOptions {
  /**
   * Host names that resolve to 127.0.0.1, e.g. `["lan.test"]`: pages at `http://lan.test:PORT` are an
   * insecure origin (as a LAN address is), where `localhost` and 127.0.0.1 count as secure.
   */
  readonly mapHosts?: readonly string[];
}

/**
 * Chromium arguments that make WebRTC work between pages on 127.0.0.1 and keep every byte local:
 * loopback ICE candidates, no mDNS host names, no DNS lookups, no background traffic.
 *
 * @example
 * chromium.launch({ executablePath: findChromium(), args: loopbackChromiumArgs() });
 * chromium.launch({ args: loopbackChromiumArgs({ mapHosts: ["lan.test"] }) }); // http://lan.test:PORT → 127.0.0.1
 */
export function loopbackChromiumArgs(options: LoopbackOptions = {}): string[] {
  // The first matching rule wins, so the mappings go before the catch-all that resolves nothing.
  const mapped = (options.mapHosts ?? []).map((host) => `MAP ${host} 127.0.0.1 , `).join("");
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    `--host-resolver-rules=${mapped}MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost`,
    `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, "WebRtcHideLocalIpsWithMdns"].join(",")}`,
  ];
}

/**
 * Chromium offers loopback ICE candidates only to an origin with camera or microphone permission:
 * give every browser context these, or `open` never fires.
 *
 * @example
 * browser.newContext({ permissions: [...WEBRTC_PERMISSIONS] });
 */
export const WEBRTC_PERMISSIONS: readonly string[] = ["camera", "microphone"];

const SYSTEM_CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/**
 * The browser to drive: `CHROME_PATH`, else a system Chromium, else undefined (Playwright's own
 * download, where `npx playwright install chromium` put one). Throws with the way to get one.
 *
 * @example
 * chromium.launch({ executablePath: findChromium(() => chromium.executablePath()) });
 */
export function findChromium(playwrightExecutable?: () => string): string | undefined {
  return findExecutable({
    envVar: "CHROME_PATH",
    systemPaths: SYSTEM_CHROMIUM,
    playwrightExecutable,
    howToGet:
      "No Chromium found. Install one: `sudo apt-get install -y chromium` (Debian/Ubuntu), or " +
      "`npx playwright install chromium`, or set CHROME_PATH to a Chrome/Chromium binary.",
  });
}
