import { findExecutable } from "./find-executable.js";

/**
 * Firefox prefs that make WebRTC work between pages on 127.0.0.1 and keep every byte local.
 * Firefox gathers only its "default address" unless the origin may use a camera or microphone, and
 * finding that address needs a route off the machine: in a loopback-only network it fails at once.
 * Granting the camera/microphone by default plus `ice.loopback` makes it offer 127.0.0.1 and ::1
 * (the counterpart of Chromium's camera/mic permission and `--allow-loopback-in-peer-connection`).
 * `media.navigator.streams.fake` gives `getUserMedia` a synthetic camera and tone.
 *
 * @example
 * firefox.launch({ channel: "moz-firefox", executablePath: findFirefox(), firefoxUserPrefs: loopbackFirefoxPrefs() });
 */
export function loopbackFirefoxPrefs(): Record<string, string | number | boolean> {
  return {
    "media.peerconnection.ice.loopback": true,
    "permissions.default.camera": 1,
    "permissions.default.microphone": 1,
    "media.navigator.streams.fake": true,
    "media.navigator.permission.disabled": true,
    // No traffic beyond loopback: no captive-portal, connectivity or telemetry pings.
    "network.captive-portal-service.enabled": false,
    "network.connectivity-service.enabled": false,
    "datareporting.policy.dataSubmissionEnabled": false,
    "toolkit.telemetry.enabled": false,
    "app.update.enabled": false,
  };
}

const SYSTEM_FIREFOX = ["/usr/bin/firefox-esr", "/usr/bin/firefox"];

/**
 * The Firefox to drive: `FIREFOX_PATH`, else a system Firefox (Debian's `firefox-esr` first), else
 * undefined (Playwright's own patched build, where `npx playwright install firefox` put one).
 * Throws with the way to get one.
 *
 * @example
 * const path = findFirefox(() => firefox.executablePath());
 * firefox.launch(path === undefined ? {} : { channel: "moz-firefox", executablePath: path });
 */
export function findFirefox(playwrightExecutable?: () => string): string | undefined {
  return findExecutable({
    envVar: "FIREFOX_PATH",
    systemPaths: SYSTEM_FIREFOX,
    playwrightExecutable,
    howToGet:
      "No Firefox found. Install one: `sudo apt-get install -y firefox-esr` (Debian), or " +
      "`npx playwright install firefox`, or set FIREFOX_PATH to a Firefox binary.",
  });
}
