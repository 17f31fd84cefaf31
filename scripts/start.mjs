// `npm start`: builds the library, starts the official PeerServer and the demo on 127.0.0.1.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const peerPort = Number(process.env.PEER_PORT ?? 9000);
const webPort = Number(process.env.PORT ?? 5173);

const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const options = { host: "127.0.0.1", port: peerPort, path: "/", allow_discovery: true };
const peerServer = spawn(process.execPath, [`${root}testing/peer-server-process.mjs`, JSON.stringify(options)], {
  stdio: ["pipe", "pipe", "inherit"],
});
await new Promise((resolve, reject) => {
  peerServer.stdout.on("data", (chunk) => (String(chunk).includes('"ready"') ? resolve() : undefined));
  peerServer.once("exit", (code) => reject(new Error(`PeerServer exited (${code}); is port ${peerPort} free? Set PEER_PORT.`)));
});

process.env.VITE_PEER_HOST = "127.0.0.1";
process.env.VITE_PEER_PORT = String(peerPort);
const demo = await createServer({
  root: `${root}demo`,
  configFile: false,
  envDir: root,
  resolve: { alias: { sharedpeer: `${root}dist/index.js` } },
  // Pre-bundled at start, so that the first page load does not re-optimise and reload.
  optimizeDeps: { include: ["comlink", "eventemitter3", "webrtc-adapter"] },
  server: { host: "127.0.0.1", port: webPort, strictPort: false, fs: { allow: [root] } },
});
await demo.listen();
const url = demo.resolvedUrls?.local[0] ?? `http://127.0.0.1:${webPort}/`;
console.log(`\n  sharedpeer demo:  ${url}`);
console.log(`  PeerServer:       http://127.0.0.1:${peerPort}/  (GET /peerjs/id gives an id)`);
console.log("  Open the demo in two tabs (they share one peer) and in a second browser profile.\n");

const stop = () => {
  peerServer.kill();
  void demo.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
