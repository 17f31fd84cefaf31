/**
 * Firefox's half of "alice's host tab crashes" (resume.test.ts crashes it through CDP in Chromium):
 * no driver command crashes a Firefox tab, so its content process is killed (crashTab,
 * test/support/kill-worker.ts). That needs a Firefox that survives a dead content process and gives
 * each page a process of its own, and the worker started from a home page (killableWorkerEnv,
 * workerHomes). Its worker URL is the stuck-able test worker, beside which there is no
 * channel-worker.js: channels stay on the page here, as in worker-death.test.ts (and crashTab finds
 * the tab's process by the worker thread it gains, which a tab running its channel worker already has).
 */
import { test } from "vitest";
import { useBrowserEnv } from "../support/env.js";
import { killableWorkerEnv } from "../support/kill-worker.js";
import { resumeKit } from "../support/resume.js";

const env = useBrowserEnv({}, killableWorkerEnv());
const kit = resumeKit(env);

test("alice's host tab crashes mid-transfer: the connection resumes on another alice tab; nothing lost, doubled or reordered", async () => {
  await kit.hostGoes("alice", "crash");
});
