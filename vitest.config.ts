import { defineConfig } from "vitest/config";
import type { TestProjectInlineConfiguration } from "vitest/config";

/**
 * The browser tests run once per engine: the same files, with `SHAREDPEER_BROWSER` telling
 * test/support/env.ts which browser to launch. A file about one engine's behaviour is named
 * `*.chromium.test.ts` (e.g. CDP) and runs only there; `*.cross.test.ts` drives both engines at once
 * and runs once, in its own project.
 */
function browserProject(name: string, include: string[], exclude: string[], env: Record<string, string>, order: number) {
  const project: TestProjectInlineConfiguration = {
    test: {
      name,
      include,
      exclude,
      env,
      environment: "node",
      // Two cores: one browser at a time keeps WebRTC timing honest, and the projects run one after
      // the other (sequence.groupOrder), never side by side.
      fileParallelism: false,
      sequence: { groupOrder: order },
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
  return project;
}

const ALL = "test/browser/**/*.test.ts";
const ENGINE_SPECIFIC = ["test/browser/**/*.chromium.test.ts", "test/browser/**/*.firefox.test.ts", "test/browser/**/*.cross.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          sequence: { groupOrder: 0 },
        },
      },
      browserProject(
        "browser:chromium",
        [ALL],
        ENGINE_SPECIFIC.filter((p) => !p.includes(".chromium.")),
        { SHAREDPEER_BROWSER: "chromium" },
        1,
      ),
      browserProject(
        "browser:firefox",
        [ALL],
        ENGINE_SPECIFIC.filter((p) => !p.includes(".firefox.")),
        { SHAREDPEER_BROWSER: "firefox" },
        2,
      ),
      browserProject("browser:cross", ["test/browser/**/*.cross.test.ts"], [], { SHAREDPEER_BROWSER: "chromium" }, 3),
    ],
  },
});
