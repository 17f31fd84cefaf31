/**
 * sharedpeer as an app gets it: `npm pack`, installed from the tarball into a fresh Vite app, in
 * Vite dev (dependency pre-bundling) and in a production build. The worker must be found and shared,
 * and the channel worker found, with no configuration in the app. The app's test side uses `sharedpeer/testing` from the tarball,
 * and its TypeScript checks the published types.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from "vite";
import type * as Testing from "../../testing/index.js";
import { testEngine } from "../support/env.js";

const repo = new URL("../..", import.meta.url).pathname;

/**
 * Puts the tarball's files where npm puts them (node_modules/sharedpeer). Its dependencies, and the
 * app's tools (vite, typescript, playwright-core, peer), are linked from this repo's node_modules:
 * the registry is out of reach in the test's network namespace, and npm cannot resolve offline.
 */
function installTarball(tarball: string, into: string): void {
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["xzf", tarball, "-C", into, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(into, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const name of [...Object.keys(manifest.dependencies), "vite", "typescript", "playwright-core", "peer", "peerjs"]) {
    const link = join(into, "..", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repo, "node_modules", name), link, "dir");
  }
}

/** An app's use of the public API, with the misuses its types must reject. */
const TYPES = `
import Peer, { Peer as NamedPeer, DataConnection, PeerError, hubStats, type PeerOptions, type HubStats, type TransferProgress } from "sharedpeer";
const options: PeerOptions = { host: "127.0.0.1", port: 9000, debug: true, worker: "auto", share: true, limits: { chunkTimeout: 10_000 } };
const peer: NamedPeer = new Peer("alice", options);
new Peer(options);
new Peer();
peer.on("open", (id: string) => id.toUpperCase());
peer.on("connection", (conn: DataConnection, metadata: unknown) => conn.on("data", (d: unknown) => [d, metadata]));
peer.on("error", (err: PeerError) => err.type === "unavailable-id");
const conn: DataConnection = peer.connect("bob", { serialization: "json", reliable: true, metadata: { a: 1 } });
peer.connect("bob", "binary", { a: 1 });
const sendId: number = conn.send({ any: "thing" });
conn.on("sendProgress", (p: TransferProgress) => p.id === sendId && p.bytes <= p.total);
conn.close({ flush: true });
const stats: Promise<HubStats> = hubStats(peer);
const ids: Promise<string[]> = peer.listAllPeers();
void [stats, ids, peer.mode satisfies "shared" | "dedicated" | "inline", conn.peerConnection, conn.dataChannel];
// @ts-expect-error: serialization names are checked
peer.connect("bob", { serialization: "msgpack" });
// @ts-expect-error: not a Peer event
peer.on("opened", () => {});
// @ts-expect-error: open passes the id, a string
peer.on("open", (id: number) => id);
// @ts-expect-error: error types are a closed union
const bad: PeerError["type"] = "oops";
// @ts-expect-error: the worker mode is one of four
new Peer({ worker: "service" });
void bad;
`;
/** What the peerjs app of test/fixtures/drop-in-app.ts sees, run on sharedpeer (`util.browser` names the engine). */
const DROP_IN_SEES = [
  "supports data=true reliable=true audioVideo=true webRTC=true",
  `browser ${testEngine() === "firefox" ? "firefox" : "chrome"} true`,
  "validateId true false token string",
  'pack {"hello":[1,"two"]}',
  "enums data raw message ID-TAKEN",
  "errors negotiation-failed message-too-big webrtc",
  'error true true {"type":"invalid-id"}',
  "open true",
  "outgoing MsgPack msgpack=true buffered=false",
  "outgoing json msgpack=false buffered=true",
  'data {"kind":"json"}',
  'data {"kind":"msgpack","bytes":[1,2]}',
  "incoming MsgPack stream=true buffered=false",
  "incoming json stream=false buffered=true",
  "bufferSize number",
  'call option {"room":1}',
];

let app: string;
let server: Testing.RunningPeerServer;
let browser: Browser;
let testing: typeof Testing;

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
window.runDropIn = () => import("./drop-in-app.ts").then((m) => m.runDropIn(Number(q.get("port"))));
window.send = (to, text) => {
  const conn = peer.connect(to, { reliable: true });
  conn.on("open", () => {
    conn.send(text);
    // null once the channel is in the channel worker, which the app's bundler must have shipped too
    window.events.push("channel on the page: " + (conn.dataChannel !== null));
  });
};
`;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "sharedpeer-consumer-"));
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", app], { cwd: repo, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { sharedpeer: "0.x" } }),
  );
  installTarball(join(app, packed), join(app, "node_modules/sharedpeer"));
  writeFileSync(join(app, "types.ts"), TYPES);
  copyFileSync(join(repo, "test/fixtures/drop-in-app.ts"), join(app, "drop-in-app.ts"));
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "ESNext",
        moduleResolution: "Bundler",
        target: "ES2022",
        lib: ["ES2022", "DOM"],
        types: [],
      },
      files: ["types.ts", "drop-in-app.ts"],
    }),
  );
  // The same app against peerjs itself: every name it imports is a real peerjs 1.5.5 export.
  writeFileSync(
    join(app, "tsconfig.peerjs.json"),
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: { skipLibCheck: true, paths: { sharedpeer: ["./node_modules/peerjs/dist/types.d.ts"] } },
      files: ["drop-in-app.ts"],
    }),
  );
  writeFileSync(join(app, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="/main.js"></script>`);
  writeFileSync(join(app, "main.js"), MAIN);
  testing = (await import(join(app, "node_modules/sharedpeer/dist/testing/index.js"))) as typeof Testing;
  server = await testing.startPeerServer();
  browser = await testing.launchBrowser(testEngine());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
});

async function events(page: Page, count: number): Promise<string[]> {
  const seen = page.waitForFunction((n) => (window as unknown as { events: string[] }).events.length >= n, count, { timeout: 15_000 });
  await step(`${count} events on ${page.url()}`, seen, 20_000);
  return page.evaluate(() => (window as unknown as { events: string[] }).events);
}

/** `work`, or a failure that names the step: each step is bounded well inside the test's timeout. */
async function step<T>(what: string, work: Promise<T>, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Two tabs of one user take the same id (shared), a second user sends to it. */
async function checkApp(origin: string): Promise<void> {
  const id = `shared-${Math.random().toString(36).slice(2, 8)}`;
  const users: BrowserContext[] = [await testing.newUser(browser), await testing.newUser(browser)];
  try {
    const url = (peerId: string) => `${origin}/?id=${peerId}&port=${server.port}`;
    const tab1 = await users[0]!.newPage();
    await step("tab 1 loads", tab1.goto(url(id)));
    expect(await events(tab1, 1)).toEqual([`open:${id}:shared`]);
    const tab2 = await users[0]!.newPage();
    await step("tab 2 loads", tab2.goto(url(id)));
    expect(await events(tab2, 1)).toEqual([`open:${id}:shared`]);
    expect(server.clients().filter((c) => c === id)).toHaveLength(1);
    const other = await users[1]!.newPage();
    await step("the other user's tab loads", other.goto(url(`${id}-other`)));
    await events(other, 1);
    await other.evaluate(
      (to) => (window as unknown as { send: (to: string, text: string) => void }).send(to, "hi from the other user"),
      id,
    );
    expect((await events(other, 2))[1]).toBe("channel on the page: false");
    expect((await events(tab1, 2))[1]).toBe("data:hi from the other user");
    expect((await events(tab2, 2))[1]).toBe("data:hi from the other user");
    const dropIn = other.evaluate(() => (window as unknown as { runDropIn: () => Promise<string[]> }).runDropIn());
    expect(await step("the drop-in app runs", dropIn)).toEqual(DROP_IN_SEES);
  } finally {
    await Promise.all(users.map((u) => u.close()));
  }
}

test("the tarball holds only the build, its types, README, LICENSE and package.json", () => {
  const tarball = readdirSync(app).find((f) => f.endsWith(".tgz"))!;
  const files = execFileSync("tar", ["tzf", join(app, tarball)], { encoding: "utf8" })
    .trim()
    .split("\n");
  const stray = files.filter((f) => !/^package\/(dist\/.+|README\.md|LICENSE|package\.json)$/.test(f));
  expect(stray).toEqual([]);
  for (const needed of [
    "package/dist/index.js",
    "package/dist/worker.js",
    "package/dist/channel-worker.js",
    "package/dist/types/src/index.d.ts",
    "package/dist/testing/index.js",
  ]) {
    expect(files).toContain(needed);
  }
});

test("the published types accept the peerjs API and reject misuse", () => {
  execFileSync(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: app, encoding: "utf8" });
});

/** Every name peerjs 1.5.5's published types export (its `export default` is Peer). */
function peerjsExports(): string[] {
  const dts = readFileSync(join(repo, "node_modules/peerjs/dist/types.d.ts"), "utf8");
  const names = [...dts.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|enum|const|type|function) (\w+)/gm)].map(
    (m) => m[1]!,
  );
  return [...new Set(names)].sort();
}

test("the drop-in app imports every named export of peerjs 1.5.5, and type-checks against peerjs and sharedpeer", () => {
  const source = readFileSync(join(repo, "test/fixtures/drop-in-app.ts"), "utf8");
  const block = /import Peer, \{([^}]+)\} from "sharedpeer"/.exec(source)![1]!;
  const imported = block
    .split(",")
    .map(
      (s) =>
        s
          .trim()
          .replace(/^type /, "")
          .split(" as ")[0]!,
    )
    .filter(Boolean);
  expect([...new Set(imported)].sort()).toEqual(peerjsExports());
  const tsc = join(app, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.peerjs.json"], { cwd: app, encoding: "utf8" });
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app, encoding: "utf8" });
});

test("installed from the tarball, in Vite dev: the worker is found and shared", async () => {
  const dev: ViteDevServer = await createServer({
    root: app,
    configFile: false,
    logLevel: "error",
    server: { host: "127.0.0.1", port: 0, hmr: false },
  });
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
