// `npm test`: typecheck, build, unit tests, browser tests in each engine one after the other (in a
// loopback-only namespace where possible), then one closing line "N passed, N failed" over all of them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, firefox } from "playwright-core";

const reports = mkdtempSync(join(tmpdir(), "sharedpeer-test-"));
const filter = process.argv.slice(2);

function run(title, command, args) {
  console.log(`\n=== ${title}`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  return result.status === 0;
}

function counts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  const report = JSON.parse(readFileSync(file, "utf8"));
  return { passed: report.numPassedTests ?? 0, failed: (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0) };
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

let ok = run("typecheck", "npx", ["tsc", "-p", "tsconfig.json"]);
ok = run("build", "npm", ["run", "--silent", "build"]) && ok;
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
ok = run("unit tests", "npx", vitest("unit", unitReport)) && ok;
const lines = [["unit", counts(unitReport)]];

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

console.log(`\n${lines.map(([name, c]) => `${name}: ${c.passed} passed, ${c.failed} failed`).join("; ")}`);
const total = lines.reduce((sum, [, c]) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed }), { passed: 0, failed: 0 });
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(ok ? 0 : 1);
