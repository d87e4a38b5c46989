// @ts-expect-error: the package ships no types; its shape is declared below
import parsePrometheusText from "parse-prometheus-text-format";

/** One metric family as the parser returns it (values are strings, as in the text). */
export interface PromFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

export interface PromText {
  families: PromFamily[];
  /** The value of the first sample named `name` (e.g. `x_count`, `x_bucket`) whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample named `name` with its labels. */
  samples(name: string): { labels: Record<string, string>; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const isNumber = (v: string | undefined) =>
  v !== undefined && (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) || /^([-+]?inf|nan)$/i.test(v));

const parse = parsePrometheusText as (t: string) => PromFamily[];

/**
 * Parses Prometheus text exposition with a real parser (parse-prometheus-text-format; it throws on
 * a malformed line), then checks what that parser tolerates: metric names, a `# TYPE` for every
 * family, numeric values. Sample values are read from a second pass over the sample lines alone,
 * because the parser folds labelled histograms into one series.
 */
export function parsePrometheus(text: string): PromText {
  const families = parse(text);
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    if (f.type === "UNTYPED") throw new Error(`metric ${f.name} has no # TYPE line`);
    for (const m of f.metrics) {
      const values = [m.value, m.count, m.sum, ...Object.values(m.buckets ?? {})].filter((v) => v !== undefined);
      if (values.length === 0) throw new Error(`metric ${f.name} has a sample without a value`);
      for (const v of values) if (!isNumber(v)) throw new Error(`metric ${f.name} has a non-numeric value ${v}`);
    }
  }
  const flat = parse(
    text
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n"),
  );
  const samples = (name: string) =>
    flat
      .filter((f) => f.name === name)
      .flatMap((f) => f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })));
  return {
    families,
    samples,
    value: (name, labels = {}) => samples(name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value,
  };
}
