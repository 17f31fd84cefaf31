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
 * Chromium arguments that make WebRTC work between pages on 127.0.0.1 and keep every byte local:
 * loopback ICE candidates, no mDNS host names, no DNS lookups, no background traffic.
 *
 * @example
 * chromium.launch({ executablePath: findChromium(), args: loopbackChromiumArgs() });
 */
export function loopbackChromiumArgs(): string[] {
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
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
