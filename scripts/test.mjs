// `npm test`: typecheck, build, unit tests, browser tests (in a loopback-only namespace where
// possible), then one closing line "N passed, N failed" over all of them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

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

/** Same search as testing/chromium.ts (which the tests use); here only to say early how to get one. */
function browserAvailable() {
  const candidates = [
    process.env.CHROME_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    chromium.executablePath(),
  ];
  return candidates.some((path) => path && existsSync(path));
}

let ok = run("typecheck", "npx", ["tsc", "-p", "tsconfig.json"]);
ok = run("build", "npm", ["run", "--silent", "build"]) && ok;
const vitest = (project, out) => [
  "vitest",
  "run",
  "--project",
  project,
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${out}`,
  ...filter,
];
const unitReport = join(reports, "unit.json");
const browserReport = join(reports, "browser.json");
ok = run("unit tests", "npx", vitest("unit", unitReport)) && ok;
if (!browserAvailable()) {
  console.log("\n=== browser tests");
  console.log("No Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`), or");
  console.log("`npx playwright install chromium`, or set CHROME_PATH to a Chrome/Chromium binary; then run `npm test` again.");
  ok = false;
} else {
  ok = run("browser tests", "sh", ["scripts/netns.sh", "npx", ...vitest("browser", browserReport)]) && ok;
}
const unit = counts(unitReport);
const browser = counts(browserReport);
console.log(`\nunit: ${unit.passed} passed, ${unit.failed} failed; browser: ${browser.passed} passed, ${browser.failed} failed`);
console.log(`${unit.passed + browser.passed} passed, ${unit.failed + browser.failed} failed`);
process.exit(ok ? 0 : 1);
