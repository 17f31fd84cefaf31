import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** `npm run bench`: one long "test" that drives Chromium; its table goes straight to stdout. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/bench/codec-speed.test.ts", "test/bench/bench.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    disableConsoleIntercept: true,
  },
});
