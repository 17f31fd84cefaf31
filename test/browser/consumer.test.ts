/**
 * sharedpeer as an app gets it: `npm pack`, installed from the tarball into a fresh Vite app, in
 * Vite dev (dependency pre-bundling) and in a production build. The worker must be found and shared
 * with no configuration in the app.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from "vite";
import { launchChromium, newUser } from "../../testing/browser.js";
import { startPeerServer, type RunningPeerServer } from "../../testing/peer-server.js";

const repo = new URL("../..", import.meta.url).pathname;
let app: string;
let server: RunningPeerServer;
let browser: Browser;

const MAIN = `
import { Peer } from "sharedpeer";
const q = new URLSearchParams(location.search);
const peer = new Peer(q.get("id"), {
  host: "127.0.0.1", port: Number(q.get("port")), path: "/", secure: false, config: { iceServers: [] },
});
window.events = [];
peer.on("open", (id) => window.events.push("open:" + id + ":" + peer.mode));
peer.on("error", (e) => window.events.push("error:" + e.type + ":" + e.message));
peer.on("connection", (conn) => conn.on("data", (d) => window.events.push("data:" + d)));
window.send = (to, text) => {
  const conn = peer.connect(to, { reliable: true });
  conn.on("open", () => conn.send(text));
};
`;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "sharedpeer-consumer-"));
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", app], { cwd: repo, encoding: "utf8" }).trim().split("\n").pop()!;
  const viteVersion = (JSON.parse(readFileSync(join(repo, "node_modules/vite/package.json"), "utf8")) as { version: string }).version;
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { sharedpeer: `file:./${packed}`, vite: viteVersion } }),
  );
  writeFileSync(join(app, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="/main.js"></script>`);
  writeFileSync(join(app, "main.js"), MAIN);
  // The registry is out of reach in the test namespace: everything comes from npm's cache, filled by `npm ci`.
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app, stdio: "inherit" });
  server = await startPeerServer();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
});

async function events(page: Page, count: number): Promise<string[]> {
  await page.waitForFunction((n) => (window as unknown as { events: string[] }).events.length >= n, count, { timeout: 15_000 });
  return page.evaluate(() => (window as unknown as { events: string[] }).events);
}

/** Two tabs of one user take the same id (shared), a second user sends to it. */
async function checkApp(origin: string): Promise<void> {
  const id = `shared-${Math.random().toString(36).slice(2, 8)}`;
  const users: BrowserContext[] = [await newUser(browser), await newUser(browser)];
  try {
    const url = (peerId: string) => `${origin}/?id=${peerId}&port=${server.port}`;
    const tab1 = await users[0]!.newPage();
    await tab1.goto(url(id));
    expect(await events(tab1, 1)).toEqual([`open:${id}:shared`]);
    const tab2 = await users[0]!.newPage();
    await tab2.goto(url(id));
    expect(await events(tab2, 1)).toEqual([`open:${id}:shared`]);
    expect(server.clients().filter((c) => c === id)).toHaveLength(1);
    const other = await users[1]!.newPage();
    await other.goto(url(`${id}-other`));
    await events(other, 1);
    await other.evaluate((to) => (window as unknown as { send: (to: string, text: string) => void }).send(to, "hi from the other user"), id);
    expect((await events(tab1, 2))[1]).toBe("data:hi from the other user");
    expect((await events(tab2, 2))[1]).toBe("data:hi from the other user");
  } finally {
    await Promise.all(users.map((u) => u.close()));
  }
}

test("installed from the tarball, in Vite dev: the worker is found and shared", async () => {
  const dev: ViteDevServer = await createServer({ root: app, configFile: false, logLevel: "error", server: { host: "127.0.0.1", port: 0, hmr: false } });
  await dev.listen();
  try {
    await checkApp(dev.resolvedUrls!.local[0]!.replace(/\/$/, ""));
  } finally {
    await dev.close();
  }
});

test("installed from the tarball, in a Vite production build", async () => {
  await build({ root: app, configFile: false, logLevel: "error" });
  const served: PreviewServer = await preview({ root: app, configFile: false, logLevel: "error", preview: { host: "127.0.0.1", port: 0 } });
  try {
    await checkApp(served.resolvedUrls!.local[0]!.replace(/\/$/, ""));
  } finally {
    await new Promise<void>((resolve) => served.httpServer.close(() => resolve()));
  }
});
