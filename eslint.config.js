// The lint step of `npm test` (scripts/test.mjs): typescript-eslint's type-checked recommended rules
// over everything that ships (src, worker, contract, testing) and the scripts, plus the rules below.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test/", "demo/"] },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `void promise` is a promise nobody handles either: give it a .catch that says where the error goes.
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": [
        "error",
        { "ts-ignore": true, "ts-nocheck": true, "ts-expect-error": "allow-with-description" },
      ],
      // The hub throws WireErrors on purpose: Comlink hands a thrown non-Error to the tab as it is, type included.
      "@typescript-eslint/only-throw-error": [
        "error",
        { allow: [{ from: "file", name: "WireError", path: "contract/errors.ts" }], allowRethrowing: true },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { console: "readonly", process: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
);
