// Copy-paste check of `npm test` (jscpd over src, worker, contract). Fails on
// - any clone between media code (a path with "media") and other code, from MIN_TOKENS tokens:
//   data connections and media calls share one lifecycle module and must not repeat it;
// - any clone at all from ANYWHERE_TOKENS tokens.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const MIN_TOKENS = 35;
const ANYWHERE_TOKENS = 50;
const PATHS = ["src", "worker", "contract"];

const out = mkdtempSync(join(tmpdir(), "sharedpeer-cpd-"));
const run = spawnSync(
  "npx",
  ["jscpd", ...PATHS, "--min-tokens", String(MIN_TOKENS), "--reporters", "json", "--output", out, "--absolute", "--silent"],
  { encoding: "utf8" },
);
if (run.status !== 0) {
  console.log(run.stdout, run.stderr);
  process.exit(1);
}
const report = JSON.parse(readFileSync(join(out, "jscpd-report.json"), "utf8"));
rmSync(out, { recursive: true });

const isMedia = (file) => /media/.test(file);
const where = (f) => `${relative(process.cwd(), f.name)}:${f.start}-${f.end}`;
const failing = report.duplicates.filter((d) => d.tokens >= ANYWHERE_TOKENS || isMedia(d.firstFile.name) !== isMedia(d.secondFile.name));
for (const d of failing) console.log(`clone of ${d.tokens} tokens (${d.lines} lines): ${where(d.firstFile)} = ${where(d.secondFile)}`);
const others = report.duplicates.length - failing.length;
console.log(
  `${failing.length} clone(s) between media and other code (>= ${MIN_TOKENS} tokens) or anywhere (>= ${ANYWHERE_TOKENS} tokens)` +
    `; ${others} smaller clone(s) elsewhere allowed`,
);
process.exit(failing.length > 0 ? 1 : 0);
