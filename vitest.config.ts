import { defineConfig } from "vitest/config";
import type { TestProjectInlineConfiguration } from "vitest/config";

/**
 * The browser tests run once per engine: the same files, with `SHAREDPEER_BROWSER` telling
 * test/support/env.ts which browser to launch. A file about one engine's behaviour is named
 * `*.chromium.test.ts` (e.g. CDP) or `*.firefox.test.ts` and runs only there; `*.cross.test.ts`
 * drives both engines at once and runs once, in its own project.
 */
const ONLY_IN = {
  chromium: "test/browser/**/*.chromium.test.ts",
  firefox: "test/browser/**/*.firefox.test.ts",
  cross: "test/browser/**/*.cross.test.ts",
} as const;

function browserProject(project: keyof typeof ONLY_IN, order: number): TestProjectInlineConfiguration {
  return {
    test: {
      name: `browser:${project}`,
      include: project === "cross" ? [ONLY_IN.cross] : ["test/browser/**/*.test.ts"],
      exclude: Object.entries(ONLY_IN)
        .filter(([name]) => name !== project)
        .map(([, glob]) => glob),
      // The cross project's files launch Firefox themselves, beside this Chromium.
      env: { SHAREDPEER_BROWSER: project === "firefox" ? "firefox" : "chromium" },
      environment: "node",
      // Two cores: one browser at a time keeps WebRTC timing honest, and the projects run one after
      // the other (sequence.groupOrder), never side by side.
      fileParallelism: false,
      sequence: { groupOrder: order },
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}

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
      browserProject("chromium", 1),
      browserProject("firefox", 2),
      browserProject("cross", 3),
    ],
  },
});
