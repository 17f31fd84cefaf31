import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";

const root = import.meta.dirname;

/**
 * Two library builds into dist/:
 * - `vite build`: the main-thread entry (index.js) with the inline-mode hub as a lazy chunk;
 * - `vite build --mode worker`: worker.js, one self-contained file, so that it works whether an
 *   app's bundler follows its imports or copies it as an asset.
 * The worker is never inlined as a blob/data URL: a SharedWorker is shared by its URL.
 */
/**
 * The source says `new URL(WORKER_FILE, import.meta.url)` so that this build does not try to bundle
 * the worker into the main entry; the published file says `new URL("./worker.js", import.meta.url)`,
 * the form an app's bundler recognises and follows.
 */
function literalWorkerUrl(): Plugin {
  return {
    name: "sharedpeer:literal-worker-url",
    renderChunk(code) {
      if (!code.includes("new URL(WORKER_FILE")) return null;
      return { code: code.replaceAll("new URL(WORKER_FILE, import.meta.url)", 'new URL("./worker.js", import.meta.url)'), map: null };
    },
  };
}

const entries = (name: string, file: string): Record<string, string> => ({ [name]: resolve(root, file) });

export default defineConfig(({ mode }) => ({
  plugins: [literalWorkerUrl()],
  build: {
    outDir: "dist",
    emptyOutDir: mode !== "worker",
    sourcemap: true,
    minify: false,
    target: "es2022",
    lib: {
      entry: mode === "worker" ? entries("worker", "worker/index.ts") : entries("index", "src/index.ts"),
      formats: ["es"],
      fileName: (_format, name) => `${name}.js`,
    },
    rolldownOptions: {
      external: mode === "worker" ? [] : ["comlink", "eventemitter3", "webrtc-adapter", "peerjs-js-binarypack"],
      output: mode === "worker" ? { codeSplitting: false } : { chunkFileNames: "chunks/[name]-[hash].js" },
    },
  },
}));
