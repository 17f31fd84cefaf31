// Globals of the test pages (test/pages/*.html), for code passed to page.evaluate.
import type { Harness } from "../pages/harness.js";
import type * as Values from "../fixtures/basic-values.js";

declare global {
  const H: Harness;
  const V: typeof Values;
}
