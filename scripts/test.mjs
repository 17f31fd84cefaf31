// `npm test`: the checks (typecheck, lint, format, import cycles, copy-paste, build, published types,
// size budget), then the unit tests, then the browser tests in each engine one after the other (in a
// loopback-only namespace where possible). Each check is one line and counts as one test; the closing
// line "N passed, N failed" covers all of them, and any failure makes the run exit non-zero.
// `node scripts/test.mjs --checks` runs the checks only; other arguments filter the test files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, firefox } from "playwright-core";

const reports = mkdtempSync(join(tmpdir(), "sharedpeer-test-"));
const checksOnly = process.argv.includes("--checks");
const filter = process.argv.slice(2).filter((arg) => arg !== "--checks");

/** The checks of the gate, in order; each is one command whose exit status decides. */
const CHECKS = [
  ["typecheck", "npx", ["tsc", "-p", "tsconfig.json"]],
  ["lint (eslint, type-aware)", "npx", ["eslint", "--max-warnings", "0", "."]],
  ["format (prettier --check)", "npx", ["prettier", "--check", "."]],
  [
    "import cycles (dpdm)",
    "npx",
    [
      "dpdm",
      ...["--no-tree", "--no-warning", "--no-progress", "--circular", "--exit-code", "circular:1"],
      // `conn.provider` is the Peer (peerjs API), so the two types name each other; nothing else may.
      ...["--skip-imports", "src/base-connection\\.ts:src/peer\\.ts", "--"],
      ...["src/**/*.ts", "worker/**/*.ts", "contract/**/*.ts"],
    ],
  ],
  ["copy-paste (jscpd)", "node", ["scripts/cpd-check.mjs"]],
  ["build", "npm", ["run", "--silent", "build"]],
  [
    "published types (dist/types, stripInternal)",
    "npx",
    [
      "tsc",
      ...["--noEmit", "--strict", "--target", "ES2022", "--module", "ESNext", "--moduleResolution", "Bundler"],
      ...["--lib", "ES2022,DOM", "--types", "node", "dist/types/src/index.d.ts"],
    ],
  ],
  ["size budget", "node", ["scripts/size-check.mjs"], { summary: true }],
];

/** Runs one check quietly: one line (with the check's last output line if `summary`), all its output if it fails. */
function check(title, command, args, { summary = false } = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  const ok = result.status === 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`.trim();
  const last = summary ? `: ${(result.stdout ?? "").trim().split("\n").pop()}` : "";
  console.log(`${ok ? "✓" : "✗"} ${title}${last} (${seconds} s)`);
  if (!ok) console.log(output.replace(/^/gm, "    "));
  return ok;
}

function run(title, command, args) {
  console.log(`\n=== ${title}`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  return result.status === 0;
}

/** Failed tests, plus each file that failed without a failed test (an import error, a failing hook). */
function counts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  const report = JSON.parse(readFileSync(file, "utf8"));
  const brokenFiles = (report.testResults ?? []).filter(
    (f) => f.status === "failed" && !(f.assertionResults ?? []).some((t) => t.status === "failed"),
  ).length;
  return { passed: report.numPassedTests ?? 0, failed: (report.numFailedTests ?? 0) + brokenFiles };
}

/** Same searches as testing/chromium.ts and testing/firefox.ts (which the tests use); here only to say early how to get one. */
function ownExecutable(type) {
  try {
    return type.executablePath();
  } catch {
    return undefined;
  }
}
const BROWSERS = {
  chromium: {
    candidates: [
      process.env.CHROME_PATH,
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      "/usr/bin/google-chrome",
      ownExecutable(chromium),
    ],
    missing:
      "No Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`), or `npx playwright install chromium`, or set CHROME_PATH to a Chrome/Chromium binary; then run `npm test` again.",
  },
  firefox: {
    candidates: [process.env.FIREFOX_PATH, "/usr/bin/firefox-esr", "/usr/bin/firefox", ownExecutable(firefox)],
    missing:
      "No Firefox found. Install one (Debian: `sudo apt-get install -y firefox-esr`), or `npx playwright install firefox`, or set FIREFOX_PATH to a Firefox binary; then run `npm test` again.",
  },
};
const available = (engine) => BROWSERS[engine].candidates.some((path) => path && existsSync(path));

console.log("=== checks");
const gate = { passed: 0, failed: 0 };
for (const [title, command, args, options] of CHECKS) {
  if (check(title, command, args, options)) gate.passed++;
  else gate.failed++;
}
let ok = gate.failed === 0;

const vitest = (project, out) => [
  "vitest",
  "run",
  "--project",
  project,
  "--passWithNoTests",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${out}`,
  ...filter,
];
const unitReport = join(reports, "unit.json");
const lines = [["checks", gate]];
if (!checksOnly) {
  ok = run("unit tests", "npx", vitest("unit", unitReport)) && ok;
  lines.push(["unit", counts(unitReport)]);
  // One engine after the other: two cores cannot run two browsers' WebRTC tests side by side honestly.
  // "cross" puts a Chromium user and a Firefox user on one PeerServer.
  for (const [name, engines] of [
    ["chromium", ["chromium"]],
    ["firefox", ["firefox"]],
    ["cross", ["chromium", "firefox"]],
  ]) {
    const report = join(reports, `browser-${name}.json`);
    const missing = engines.filter((engine) => !available(engine));
    if (missing.length > 0) {
      console.log(`\n=== browser tests: ${name}`);
      for (const engine of missing) console.log(BROWSERS[engine].missing);
      ok = false;
    } else {
      ok = run(`browser tests: ${name}`, "sh", ["scripts/netns.sh", "npx", ...vitest(`browser:${name}`, report)]) && ok;
    }
    lines.push([name, counts(report)]);
  }
}

console.log(`\n${lines.map(([name, c]) => `${name}: ${c.passed} passed, ${c.failed} failed`).join("; ")}`);
const total = lines.reduce((sum, [, c]) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed }), { passed: 0, failed: 0 });
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(ok ? 0 : 1);
