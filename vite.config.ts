import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";

const root = import.meta.dirname;

/**
 * Three library builds into dist/:
 * - `vite build`: the main-thread entry (index.js) with the inline-mode hub as a lazy chunk;
 * - `vite build --mode worker`: worker.js, one self-contained file, so that it works whether an
 *   app's bundler follows its imports or copies it as an asset;
 * - `vite build --mode channel`: channel-worker.js, the per-tab worker that holds the data
 *   channels (src/channel-worker.ts), self-contained for the same reason.
 * The worker is never inlined as a blob/data URL: a SharedWorker is shared by its URL.
 */
/**
 * The source says `new URL(WORKER_FILE, import.meta.url)` so that this build does not try to bundle
 * the worker into the main entry; the published file says `new URL("./worker.js", import.meta.url)`,
 * the form an app's bundler recognises and follows. The same for the channel worker.
 */
function literalWorkerUrl(): Plugin {
  const literals = { WORKER_FILE: "./worker.js", CHANNEL_WORKER_FILE: "./channel-worker.js" };
  return {
    name: "sharedpeer:literal-worker-url",
    renderChunk(code) {
      let out = code;
      for (const [name, file] of Object.entries(literals)) {
        out = out.replaceAll(`new URL(${name}, import.meta.url)`, `new URL("${file}", import.meta.url)`);
      }
      return out === code ? null : { code: out, map: null };
    },
  };
}

const ENTRIES: Record<string, [string, string]> = {
  worker: ["worker", "worker/index.ts"],
  channel: ["channel-worker", "src/channel-worker.ts"],
};

const entries = (name: string, file: string): Record<string, string> => ({ [name]: resolve(root, file) });

export default defineConfig(({ mode }) => {
  const single = ENTRIES[mode];
  return {
    plugins: [literalWorkerUrl()],
    build: {
      outDir: "dist",
      emptyOutDir: !single,
      sourcemap: true,
      minify: false,
      target: "es2022",
      lib: {
        entry: single ? entries(...single) : entries("index", "src/index.ts"),
        formats: ["es"],
        fileName: (_format, name) => `${name}.js`,
      },
      rolldownOptions: {
        external: single ? [] : ["comlink", "eventemitter3", "webrtc-adapter", "peerjs-js-binarypack"],
        output: single ? { codeSplitting: false } : { chunkFileNames: "chunks/[name]-[hash].js" },
      },
    },
  };
});
