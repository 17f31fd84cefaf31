import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { launchBrowser, launchChromium, launchFirefox, newUser, type Engine } from "../../testing/browser.js";
import { startPeerServer, type PeerServerOptions, type RunningPeerServer } from "../../testing/peer-server.js";
import type { Harness } from "../pages/harness.js";

const root = new URL("../..", import.meta.url).pathname;

/**
 * The engine this run drives: the Vitest project sets `SHAREDPEER_BROWSER` ("browser:chromium",
 * "browser:firefox" in vitest.config.ts); Chromium when unset.
 */
export function testEngine(): Engine {
  const name = process.env["SHAREDPEER_BROWSER"] ?? "chromium";
  if (name !== "chromium" && name !== "firefox") throw new Error(`SHAREDPEER_BROWSER is ${name}: say chromium or firefox`);
  return name;
}

/** Everything a browser test stands on: a PeerServer, the pages served by Vite, and a browser. */
export interface BrowserEnv {
  readonly server: RunningPeerServer;
  readonly engine: Engine;
  readonly browser: Browser;
  readonly origin: string;
  /** Peer options pointing at this env's PeerServer, with no ICE servers. */
  readonly peerOptions: Record<string, unknown>;
  /**
   * A new user (browser context): its tabs share one SharedWorker. `engine` other than this env's
   * starts that browser too (once), for users of two browsers on one PeerServer.
   */
  user(engine?: Engine): Promise<BrowserContext>;
  /** Opens a test page (`sharedpeer` or `peerjs`) in `user` and waits for its harness. */
  tab(user: BrowserContext, page?: "sharedpeer" | "peerjs", query?: string): Promise<Page>;
  /** `new Peer(id, peerOptions + extra)` as harness peer `name`; its first `open:`/`error:` event. */
  openPeer(tab: Page, name: string, id: string | null, extra?: Record<string, unknown>): Promise<string>;
  /** `count` tabs of `user`, each with `new Peer(id)` open as harness peer "me". */
  sharedTabs(user: BrowserContext, id: string, count: number): Promise<Page[]>;
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export interface EnvOptions {
  /** Where the pages are served: a host name the browser maps to 127.0.0.1, for an insecure origin. */
  readonly pageHost?: string;
  /** Added to `peerOptions` (e.g. a test's own `workerUrl`). */
  readonly peerDefaults?: Record<string, unknown>;
  /** Starts this env's Firefox instead of `launchFirefox(extraPrefs)`, with the same extra prefs. */
  readonly launchFirefox?: (extraPrefs: Record<string, string>) => Promise<Browser>;
}

export async function startBrowserEnv(serverOptions: PeerServerOptions = {}, options: EnvOptions = {}): Promise<BrowserEnv> {
  const engine = testEngine();
  let server = await startPeerServer(serverOptions);
  const vite: ViteDevServer = await createServer({
    root,
    configFile: false,
    logLevel: "error",
    server: {
      host: "127.0.0.1",
      port: 0,
      strictPort: false,
      hmr: false,
      watch: null,
      ...(options.pageHost ? { allowedHosts: [options.pageHost] } : {}),
    },
    // Pre-bundled at start, so that no page load triggers a re-optimisation and reload.
    optimizeDeps: { include: ["comlink", "eventemitter3", "webrtc-adapter", "peerjs"] },
  });
  await vite.listen();
  const address = vite.httpServer?.address();
  if (!address || typeof address === "string") throw new Error("vite did not listen");
  const origin = `http://${options.pageHost ?? "127.0.0.1"}:${address.port}`;
  // A host name mapped to 127.0.0.1: a Chromium switch (testing/chromium.ts), a Firefox pref (Firefox
  // resolves these names to loopback itself, without DNS; probed: the page is insecure, no Web Locks,
  // ICE offers 127.0.0.1).
  const firefoxPrefs: Record<string, string> = options.pageHost ? { "network.dns.localDomains": options.pageHost } : {};
  const browser =
    engine === "chromium"
      ? options.pageHost
        ? await launchChromium([], { mapHosts: [options.pageHost] })
        : await launchBrowser(engine)
      : await (options.launchFirefox ?? launchFirefox)(firefoxPrefs);
  const browsers = new Map<Engine, Promise<Browser>>([[engine, Promise.resolve(browser)]]);
  const users: BrowserContext[] = [];
  const env: BrowserEnv = {
    get server() {
      return server;
    },
    engine,
    browser,
    origin,
    get peerOptions() {
      const own = { host: server.host, port: server.port, path: server.path, key: server.key, secure: false, config: { iceServers: [] } };
      return { ...own, ...options.peerDefaults };
    },
    async user(which = engine) {
      let launched = browsers.get(which);
      if (!launched) {
        launched = launchBrowser(which);
        browsers.set(which, launched);
      }
      const context = await newUser(await launched);
      context.on("console", (message) => {
        if (process.env["SHAREDPEER_TEST_CONSOLE"]) console.log(`[page] ${message.text()}`);
      });
      users.push(context);
      return context;
    },
    async tab(user, page = "sharedpeer", query = "") {
      const tab = await user.newPage();
      tab.on("pageerror", (error) => console.error(`[pageerror] ${error.message}`));
      await tab.goto(`${origin}/test/pages/${page}.html${query}`);
      await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 10_000 });
      return tab;
    },
    openPeer(tab, name, id, extra = {}) {
      return tab.evaluate(([n, i, o]) => H.newPeer(n, [i, o]), [name, id, { ...env.peerOptions, ...extra }] as const);
    },
    async sharedTabs(user, id, count) {
      const tabs: Page[] = [];
      for (let i = 0; i < count; i++) {
        const tab = await env.tab(user);
        const first = await env.openPeer(tab, "me", id);
        if (first !== `open:${id}`) throw new Error(`tab ${i + 1} of ${id} did not open: ${first}`);
        tabs.push(tab);
      }
      return tabs;
    },
    async restartServer() {
      const port = server.port;
      await server.stop();
      server = await startPeerServer({ ...serverOptions, port });
    },
    async close() {
      await Promise.all(users.map((u) => u.close().catch(() => undefined)));
      await Promise.all([...browsers.values()].map((b) => b.then((open) => open.close()).catch(() => undefined)));
      await vite.close();
      await server.stop();
    },
  };
  return env;
}

/**
 * Starts a BrowserEnv before the file's tests and closes it after them. The returned object stands
 * for it from then on, so that a test file needs no `let env` and hooks of its own.
 */
export function useBrowserEnv(serverOptions: PeerServerOptions = {}, options: EnvOptions = {}): BrowserEnv {
  let started: BrowserEnv | undefined;
  beforeAll(async () => {
    started = await startBrowserEnv(serverOptions, options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as BrowserEnv, {
    get(_, key) {
      if (!started) throw new Error("the browser env starts in beforeAll: use it inside tests and hooks");
      return Reflect.get(started, key);
    },
  });
}

/** The page's harness, typed for `page.evaluate`. */
export type PageHarness = { H: Harness; V: typeof import("../fixtures/basic-values.js") };
