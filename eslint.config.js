// The lint step of `npm test` (scripts/test.mjs). What ships (src, worker, contract, testing) and the
// configs get typescript-eslint's type-checked recommended rules; tests, bench and demo get the rules
// about promises, `any` and ts-comments only. Both: a discarded promise, `void` included, needs a
// .catch that says where its error goes.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const always = {
  "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
  "@typescript-eslint/no-misused-promises": "error",
  "@typescript-eslint/no-explicit-any": "error",
  "@typescript-eslint/ban-ts-comment": ["error", { "ts-ignore": true, "ts-nocheck": true, "ts-expect-error": "allow-with-description" }],
};
const parserOptions = { projectService: true, tsconfigRootDir: import.meta.dirname };

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test/bench/results/"] },
  {
    files: ["src/**/*.ts", "worker/**/*.ts", "contract/**/*.ts", "testing/**/*.ts", "*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...always,
      // The hub throws WireErrors on purpose: Comlink hands a thrown non-Error to the tab as it is, type included.
      "@typescript-eslint/only-throw-error": [
        "error",
        { allow: [{ from: "file", name: "WireError", path: "contract/errors.ts" }], allowRethrowing: true },
      ],
      // Passing on what a call rejected with (a WireError, say) as it is, like a rethrow.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
    },
  },
  {
    files: ["test/**/*.ts", "demo/**/*.ts"],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: always,
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { console: "readonly", process: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
);
