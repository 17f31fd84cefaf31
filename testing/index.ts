/**
 * `sharedpeer/testing`: what an app's own Playwright tests need to run sharedpeer (and WebRTC in
 * general) on one machine: a PeerServer on loopback, Chromium flags and Firefox prefs, and users with tabs.
 */
export { startPeerServer, type PeerServerOptions, type RunningPeerServer } from "./peer-server.js";
export { NoBrowserError } from "./find-executable.js";
export { loopbackChromiumArgs, findChromium, WEBRTC_PERMISSIONS } from "./chromium.js";
export { loopbackFirefoxPrefs, findFirefox } from "./firefox.js";
export { launchChromium, launchFirefox, launchBrowser, newUser, openTabs, type Engine } from "./browser.js";
