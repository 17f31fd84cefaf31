// Size budget of the published bundles (`npm test` runs it after the build). The budgets live in
// package.json "sizeBudget": bytes after gzip (level 6, what servers send) of each entry plus the
// chunks it imports statically, i.e. what a page loads before the first Peer exists. Dependencies
// that the main entry leaves external (comlink, eventemitter3, ...) are not counted; worker.js is
// self-contained. Raise a budget on purpose, in the commit that needs it, never to make a run pass.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { gzipSync, brotliCompressSync } from "node:zlib";

const budgets = JSON.parse(readFileSync("package.json", "utf8")).sizeBudget;
const STATIC_IMPORT = /^(?:import|export)\s[^;]*?from\s*"(\.{1,2}\/[^"]+)"|^import\s*"(\.{1,2}\/[^"]+)"/gm;

/** The entry and every file it imports statically (dynamic import() is loaded later, if ever). */
function closure(entry) {
  const files = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) continue;
    files.add(file);
    for (const [, from, bare] of readFileSync(file, "utf8").matchAll(STATIC_IMPORT)) pending.push(join(dirname(file), from ?? bare));
  }
  return [...files];
}

const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;
let failed = false;
const summary = [];
for (const [entry, budget] of Object.entries(budgets)) {
  const files = closure(entry);
  const code = Buffer.concat(files.map((file) => readFileSync(file)));
  const gzip = gzipSync(code, { level: 6 }).length;
  const brotli = brotliCompressSync(code).length;
  const over = gzip > budget.gzip;
  failed ||= over;
  const extra =
    files.length > 1
      ? ` (with ${files
          .slice(1)
          .map((f) => relative(dirname(entry), f))
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
