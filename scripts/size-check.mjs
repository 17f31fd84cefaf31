// Size budget of the published bundles (`npm test` runs it after the build). The budgets live in
// package.json "sizeBudget": bytes after gzip (level 6, what servers send) of each entry plus the
// chunks it imports statically, i.e. what a page loads before the first Peer exists. Dependencies
// that the main entry leaves external (comlink, eventemitter3, ...) are not counted; worker.js is
// self-contained. Raise a budget on purpose, in the commit that needs it, never to make a run pass.
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { gzipSync, brotliCompressSync } from "node:zlib";
import { importClosure } from "./import-closure.mjs";

const budgets = JSON.parse(readFileSync("package.json", "utf8")).sizeBudget;
/** Static imports and re-exports only: a dynamic import() is loaded later, if ever. */
const STATIC_IMPORT = /^(?:(?:import|export)\s[^;]*?from\s*|import\s*)"(\.{1,2}\/[^"]+)"/gm;

const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;
let failed = false;
const summary = [];
for (const [entry, budget] of Object.entries(budgets)) {
  const files = importClosure(entry, STATIC_IMPORT);
  const code = Buffer.concat(files.map((file) => readFileSync(file)));
  const gzip = gzipSync(code, { level: 6 }).length;
  const brotli = brotliCompressSync(code).length;
  const over = gzip > budget.gzip;
  failed ||= over;
  const extra =
    files.length > 1
      ? ` (with ${files
          .slice(1)
          .map((f) => relative(dirname(resolve(entry)), f))
          .join(", ")})`
      : "";
  console.log(
    `${over ? "OVER " : ""}${entry}${extra}: ${kB(gzip)} gzip of ${kB(budget.gzip)} allowed; ${kB(code.length)} raw, ${kB(brotli)} brotli`,
  );
  summary.push(`${entry.replace(/^dist\//, "")} ${kB(gzip)} of ${kB(budget.gzip)}`);
}
// Last line: the one `npm test` shows.
console.log(`gzip: ${summary.join(", ")}`);
process.exit(failed ? 1 : 0);
