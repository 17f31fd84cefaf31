/**
 * `sharedpeer/testing`: what an app's own Playwright tests need to run sharedpeer (and WebRTC in
 * general) on one machine: a PeerServer on loopback, Chromium flags, and users with tabs.
 */
export { startPeerServer, type PeerServerOptions, type RunningPeerServer } from "./peer-server.js";
export { loopbackChromiumArgs, findChromium, NoBrowserError, WEBRTC_PERMISSIONS } from "./chromium.js";
export { launchChromium, newUser, openTabs } from "./browser.js";
