// After `tsc -p tsconfig.build.json`: keeps in dist/types only the declaration files that the
// published entry (src/index.d.ts) reaches through its imports. tsc writes one .d.ts per source file
// of the program, and the program includes the worker (through the inline mode's dynamic import),
// though no public type refers to it; `stripInternal` has removed what is marked `@internal`.
import { readdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { importClosure } from "./import-closure.mjs";

const root = resolve("dist/types");
const entry = join(root, "src/index.d.ts");
const SPECIFIER = /(?:from\s+|import\()\s*"(\.{1,2}\/[^"]+)"/g;

const reached = new Set(importClosure(entry, SPECIFIER, (path) => path.replace(/\.js$/, ".d.ts")));

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

let removed = 0;
for (const file of walk(root)) {
  if (!reached.has(file)) {
    rmSync(file);
    removed++;
  }
}
for (const dir of readdirSync(root, { withFileTypes: true })) {
  const path = join(root, dir.name);
  if (dir.isDirectory() && walk(path).length === 0) rmSync(path, { recursive: true });
}
const kept = [...reached].map((file) => relative(root, file)).sort();
if (process.argv.includes("--list")) console.log(kept.join("\n"));
else console.log(`dist/types: ${kept.length} declaration files kept, ${removed} internal ones removed`);
