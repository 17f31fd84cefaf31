/**
 * Samples → medians, ratios, targets; printed as one table and written as JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const CONTENDERS = ["sharedpeer", "peerjs", "bare"] as const;
export type Contender = (typeof CONTENDERS)[number];

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export interface Metric {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly samples: Partial<Record<Contender, number[]>>;
}

/** `ratio`: sharedpeer's median over `against`'s must satisfy `op value`; `absolute`: sharedpeer's median itself. */
export type Target =
  | { readonly metric: string; readonly against: "peerjs" | "bare"; readonly op: ">=" | "<="; readonly value: number }
  | { readonly metric: string; readonly against: "absolute"; readonly op: "<"; readonly value: number; readonly unit: string }
  | { readonly metric: string; readonly against: "check"; readonly text: string; readonly pass: boolean; readonly detail: string };

export interface TargetResult {
  readonly metric: string;
  readonly text: string;
  readonly actual: string;
  readonly pass: boolean;
  /** Print `actual` beside PASS/FAIL (ratios are in their own columns already; details go below the table). */
  readonly inline: boolean;
}

export function summarize(samples: readonly number[] | undefined): Summary | undefined {
  if (!samples || samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, n: sorted.length };
}

function ratio(metric: Metric, against: Contender): number | undefined {
  const sp = summarize(metric.samples.sharedpeer);
  const other = summarize(metric.samples[against]);
  return sp && other && other.median !== 0 ? sp.median / other.median : undefined;
}

export function evaluate(target: Target, metrics: ReadonlyMap<string, Metric>): TargetResult {
  if (target.against === "check")
    return { metric: target.metric, text: target.text, actual: target.detail, pass: target.pass, inline: false };
  const metric = metrics.get(target.metric);
  if (!metric) throw new Error(`no metric ${target.metric}`);
  if (target.against === "absolute") {
    const sp = summarize(metric.samples.sharedpeer);
    const pass = sp !== undefined && sp.median < target.value;
    return { metric: target.metric, text: `< ${target.value} ${target.unit}`, actual: sp ? fmt(sp.median) : "n/a", pass, inline: true };
  }
  const r = ratio(metric, target.against);
  const pass = r !== undefined && (target.op === ">=" ? r >= target.value : r <= target.value);
  const short = target.against === "peerjs" ? "pj" : "bare";
  return {
    metric: target.metric,
    text: `${target.op}${target.value}× ${short}`,
    actual: r === undefined ? "n/a" : `${r.toFixed(2)}×`,
    pass,
    inline: false,
  };
}

export function fmt(n: number): string {
  const a = Math.abs(n);
  if (a >= 1000) return n.toFixed(0);
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function cell(s: Summary | undefined): string {
  if (!s) return "–";
  return s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** One table: a row per metric; contenders, ratios, then the targets of that metric with PASS/FAIL. */
export function renderTable(metrics: readonly Metric[], results: readonly TargetResult[]): string {
  const header = ["metric", ...CONTENDERS, "sp/peerjs", "sp/bare", "target", "result"];
  const rows = metrics.map((m) => {
    const mine = results.filter((r) => r.metric === m.key);
    const rp = ratio(m, "peerjs");
    const rb = ratio(m, "bare");
    return [
      `${m.label} (${m.unit})`,
      ...CONTENDERS.map((c) => cell(summarize(m.samples[c]))),
      rp === undefined ? "–" : `${rp.toFixed(2)}×`,
      rb === undefined ? "–" : `${rb.toFixed(2)}×`,
      mine.map((r) => r.text).join("; ") || "",
      mine.map((r) => `${r.pass ? "PASS" : "FAIL"}${r.inline ? ` (${r.actual})` : ""}`).join("; ") || "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cols: readonly string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function writeJson(path: string, meta: Record<string, unknown>, metrics: readonly Metric[], results: readonly TargetResult[]): void {
  const out = {
    meta,
    metrics: Object.fromEntries(
      metrics.map((m) => [
        m.key,
        {
          label: m.label,
          unit: m.unit,
          ...Object.fromEntries(
            CONTENDERS.filter((c) => m.samples[c]?.length).map((c) => [c, { ...summarize(m.samples[c]), samples: m.samples[c] }]),
          ),
          ratioToPeerjs: ratio(m, "peerjs") ?? null,
          ratioToBare: ratio(m, "bare") ?? null,
        },
      ]),
    ),
    targets: results,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
}
