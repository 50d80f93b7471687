/**
 * Prometheus text exposition format 0.0.4 (what ZooKeeper's PrometheusMetricsProvider serves): one
 * `# HELP` and `# TYPE` line per family, then its samples.
 */

export type MetricType = "counter" | "gauge" | "summary" | "untyped";

export interface Sample {
  /** The sample's full name: the family name, or it with `_count` / `_sum` for a summary. */
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  const parts = entries.map(([key, value]) => {
    if (!LABEL.test(key)) throw new TypeError(`invalid label name ${JSON.stringify(key)}`);
    const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    return `${key}="${escaped}"`;
  });
  return `{${parts.join(",")}}`;
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!NAME.test(family.name)) throw new TypeError(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new TypeError(`metric family ${family.name} rendered twice`);
    seen.add(family.name);
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      if (!NAME.test(sample.name)) throw new TypeError(`invalid sample name ${JSON.stringify(sample.name)}`);
      lines.push(`${sample.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** A family of one unlabelled sample. */
export function single(
  name: string,
  type: MetricType,
  help: string,
  value: number | undefined,
): MetricFamily {
  return { name, type, help, samples: value === undefined ? [] : [{ name, value }] };
}
