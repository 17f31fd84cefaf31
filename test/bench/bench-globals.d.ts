// The global of the benchmark pages (test/bench/pages/bench.html), for code passed to page.evaluate.
import type { BenchHarness } from "./pages/bench-harness.js";

declare global {
  const B: BenchHarness;
}
