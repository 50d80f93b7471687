/**
 * The availability timelines: for one run of a scenario, successful writes per 100 ms, failed writes
 * and the longest gap, under a lane per unit showing when its server was down, not serving or the
 * ZooKeeper leader; a rule marks each server stop and each leader change. Drawn with Vega-Lite and
 * rendered to SVG by Vega's headless view (no canvas, no browser). Vega is loaded only when drawing,
 * so the writer processes (the same bundle) never load it.
 */
import type { TopLevelSpec } from "vega-lite";
import type { CharmRound, PhaseResult, Scenario } from "./charm-round";
import { type PhaseTrace, POLL_MS } from "./timeline";

/** The file name of each availability scenario's timeline, next to bench/RESULTS.md. */
export const TIMELINE_SLUG: Partial<Record<Scenario, string>> = {
  "scale-up": "scale-3-to-5",
  "scale-down": "scale-5-to-3",
  "rolling-restart": "rolling-restart",
  "remove-leader": "leader-removal",
};

export function timelineFile(scenario: Scenario): string | undefined {
  const slug = TIMELINE_SLUG[scenario];
  return slug ? `timeline-${slug}.svg` : undefined;
}

/** The run drawn: the one with the median longest gap (the lower middle one when n is even). */
export function timelineRun(
  charms: readonly CharmRound[],
  scenario: Scenario,
): { round: number; rounds: number; phase: PhaseResult & Required<Pick<PhaseResult, "trace">> } | undefined {
  const runs = charms
    .map((charm, index) => ({ round: index + 1, phase: charm.phases[scenario] }))
    .filter(
      (run): run is { round: number; phase: PhaseResult & Required<Pick<PhaseResult, "trace">> } =>
        run.phase?.trace !== undefined && run.phase.writes !== undefined,
    )
    .sort((a, b) => a.phase.writes!.longestGapMs - b.phase.writes!.longestGapMs);
  const median = runs[Math.floor((runs.length - 1) / 2)];
  return median ? { ...median, rounds: runs.length } : undefined;
}

const WIDTH = 860;
const LANE_PX = 26;
const WRITES_PX = 170;
const FONT_PX = 10;

/** What each color stands for (one legend for both panels). */
const KEY = {
  ok: "successful writes per 100 ms",
  failed: "failed write",
  gap: "longest gap (no successful write)",
  notServing: "server not serving (srvr)",
  down: "JVM stopped or restarting",
  leader: "ZooKeeper leader",
  stop: "server stop (rule)",
  leaderChange: "leader change (rule)",
} as const;
const COLORS: Record<string, string> = {
  [KEY.ok]: "#4c78a8",
  [KEY.failed]: "#d62728",
  [KEY.gap]: "#f7b6b2",
  [KEY.notServing]: "#fdd0a2",
  [KEY.down]: "#e6550d",
  [KEY.leader]: "#9467bd",
  [KEY.stop]: "#a63603",
  [KEY.leaderChange]: "#54278f",
};

const unitNumber = (unit: string) => Number(unit.split("/")[1]);
const seconds = (ms: number) => ms / 1000;

interface Interval {
  unit: string;
  /** From t to t1 (s). */
  t: number;
  t1: number;
  what: string;
}

interface Mark {
  unit: string;
  t: number;
  what: string;
  text: string;
  /** Pixels below the lane's top: its middle, or off it to keep labels in one lane apart. */
  shift: number;
}

/** Lanes, intervals, rules and labels from the trace's events (all times in seconds). */
function lanes(trace: PhaseTrace) {
  const end = seconds(trace.toMs);
  const begin = seconds(trace.fromMs);
  const units = [
    ...new Set([...trace.start.units, ...trace.events.flatMap((event) => (event.unit ? [event.unit] : []))]),
  ].sort((a, b) => unitNumber(a) - unitNumber(b));
  const life: Interval[] = [];
  const bars: Interval[] = [];
  const marks: Omit<Mark, "shift">[] = [];
  const rules: { t: number; what: string }[] = [];
  for (const unit of units) {
    const own = trace.events.filter((event) => event.unit === unit);
    const added = own.find((event) => event.kind === "added");
    const removed = own.find((event) => event.kind === "removed");
    const from = added ? seconds(added.at) : begin;
    const until = removed ? seconds(removed.at) : end;
    life.push({ unit, t: from, t1: until, what: "unit in the model" });
    if (added) marks.push({ unit, t: from, what: KEY.notServing, text: `${unit} added` });
    if (removed) marks.push({ unit, t: until, what: KEY.notServing, text: "removed" });
    let notServingSince: number | undefined = trace.start.serving.includes(unit) ? undefined : from;
    let stoppedAt: number | undefined;
    for (const event of own) {
      const t = seconds(event.at);
      if (event.kind === "not-serving" && notServingSince === undefined) notServingSince = t;
      if (event.kind === "serving" && notServingSince !== undefined) {
        bars.push({ unit, t: notServingSince, t1: t, what: KEY.notServing });
        notServingSince = undefined;
      }
      if (event.kind === "stop") {
        stoppedAt = t;
        rules.push({ t, what: KEY.stop });
      }
      if (event.kind === "restart" || event.kind === "start") {
        const since = stoppedAt ?? t;
        bars.push({ unit, t: since, t1: Math.max(t, since + seconds(POLL_MS) / 4), what: KEY.down });
        const down = stoppedAt === undefined ? "" : ` (${Math.round((t - stoppedAt) * 1000)} ms down)`;
        marks.push({
          unit,
          t: since,
          what: KEY.down,
          text: `${unit} ${event.kind === "restart" ? `restarted${down}` : "started"}`,
        });
        stoppedAt = undefined;
      }
    }
    if (notServingSince !== undefined)
      bars.push({ unit, t: notServingSince, t1: until, what: KEY.notServing });
    if (stoppedAt !== undefined) {
      bars.push({ unit, t: stoppedAt, t1: until, what: KEY.down });
      marks.push({ unit, t: stoppedAt, what: KEY.down, text: `${unit} stopped` });
    }
  }
  // Leadership: a bar per tenure in the leader's lane, a rule and a label at each change.
  let leader = trace.start.leader;
  let since = begin;
  for (const event of trace.events.filter((candidate) => candidate.kind === "leader")) {
    const t = seconds(event.at);
    if (leader) bars.push({ unit: leader, t: since, t1: t, what: KEY.leader });
    if (event.unit) {
      rules.push({ t, what: KEY.leaderChange });
      marks.push({ unit: event.unit, t, what: KEY.leader, text: `leader → ${event.unit}` });
    }
    leader = event.unit;
    since = t;
  }
  if (leader) bars.push({ unit: leader, t: since, t1: end, what: KEY.leader });
  // Labels in the same lane that would overlap (≈6 px a character) go below one another.
  const pxPerSecond = WIDTH / (end - begin);
  const laneEnds = new Map<string, number[]>();
  const labelled: Mark[] = marks
    .sort((a, b) => a.t - b.t)
    .map((mark) => {
      const ends = laneEnds.get(mark.unit) ?? [];
      let slot = ends.findIndex((endPx) => endPx < mark.t * pxPerSecond);
      if (slot < 0) slot = ends.length;
      ends[slot] = mark.t * pxPerSecond + 4 + mark.text.length * 6;
      laneEnds.set(mark.unit, ends);
      return { ...mark, shift: LANE_PX / 2 + [0, 9, -9][slot % 3]! };
    });
  return { units, life, bars, marks: labelled, rules };
}

export interface TimelineInput {
  readonly scenario: string;
  readonly command: string;
  readonly round: number;
  readonly rounds: number;
  readonly phase: PhaseResult & Required<Pick<PhaseResult, "trace">>;
}

/** The Vega-Lite specification of one scenario's timeline. */
export function timelineSpec({ scenario, command, round, rounds, phase }: TimelineInput): TopLevelSpec {
  // The window ends with the last whole 100 ms bin, so that no bin is drawn short.
  const { fromMs, toMs } = phase.trace;
  const endMs = fromMs + Math.floor((toMs - fromMs) / 100) * 100;
  const trace: PhaseTrace = {
    ...phase.trace,
    toMs: endMs,
    events: phase.trace.events.filter((event) => event.at <= endMs),
    ok: phase.trace.ok.filter((at) => at < endMs),
    failed: phase.trace.failed.filter((failure) => failure.at <= endMs),
  };
  const writes = phase.writes;
  const begin = seconds(trace.fromMs);
  const end = seconds(trace.toMs);
  const { units, life, bars, marks, rules } = lanes(trace);
  // Writes per 100 ms, binned by Vega-Lite; the y scale leaves room for the labels at the top.
  const perBin = new Map<number, number>();
  for (const at of trace.ok) perBin.set(Math.floor(at / 100), (perBin.get(Math.floor(at / 100)) ?? 0) + 1);
  const yMax = Math.ceil(Math.max(1, ...perBin.values()) * 1.45);
  const gapMs = writes?.longestGapMs ?? 0;
  const failed = writes?.failedWrites ?? 0;
  const gapStart = seconds(writes?.gapStartMs ?? 0);
  const failures = Object.entries(writes?.failures ?? {})
    .map(([name, count]) => `${name} ×${count}`)
    .join(", ");
  // Every layer's x is its field t (seconds); the panels share the scale.
  // Ticks on round seconds (t is a binned field in one layer: left alone, the ticks are bin edges).
  const tickStep = [0.1, 0.2, 0.5, 1, 2, 5, 10, 30].find((step) => (end - begin) / step <= 16) ?? 60;
  const ticks: number[] = [];
  for (let tick = Math.ceil(begin / tickStep); tick * tickStep <= end; tick += 1)
    ticks.push(Math.round(tick * tickStep * 10) / 10);
  const x = (axis: { title: string } | null) => ({
    field: "t",
    type: "quantitative" as const,
    scale: { domain: [begin, end], nice: false, zero: false },
    axis: axis && { ...axis, values: ticks, format: tickStep < 1 ? ".1f" : "d" },
  });
  const color = {
    field: "what",
    type: "nominal" as const,
    scale: { domain: Object.keys(COLORS), range: Object.values(COLORS) },
    legend: { title: null, orient: "bottom" as const, columns: 4, symbolType: "square", labelLimit: 300 },
  };
  const lane = { field: "unit", type: "nominal" as const, sort: units, title: null };
  const eventRules = (opacity: number) => ({
    data: { values: rules },
    mark: { type: "rule" as const, strokeWidth: 1.2, strokeDash: [5, 3], opacity },
    encoding: { color },
  });
  const label = { type: "text" as const, align: "left" as const, fontSize: FONT_PX, dx: 3 };
  const operation = (labelled: boolean) => ({
    data: {
      values: [
        { t: 0, text: "operation" },
        { t: seconds(trace.settledMs), text: "settled (last hook ended)" },
      ],
    },
    layer: [
      { mark: { type: "rule" as const, color: "#333", strokeWidth: 1.5 } },
      ...(labelled
        ? [
            {
              mark: { ...label, baseline: "top" as const, dy: 3, color: "#333" },
              encoding: { y: { value: 0 }, text: { field: "text" } },
            },
          ]
        : []),
    ],
  });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    background: "white",
    padding: 10,
    title: {
      text: `${scenario}: longest gap ${Math.round(gapMs)} ms, ${failed} failed write${failed === 1 ? "" : "s"}`,
      // Short lines: without a canvas Vega estimates text widths generously, and the figure grows to fit.
      subtitle: [
        `${command.replaceAll("`", "")}; round ${round} of ${rounds}, the run with the median longest gap.`,
        `Writes: one client creating sequential znodes ~5 ms apart${failures ? ` (failed: ${failures})` : ""}.`,
        `Servers polled every ${POLL_MS} ms: JVM pid and systemd state from the emulator, srvr on each server.`,
      ],
      anchor: "start",
      fontSize: 14,
      subtitleFontSize: 11,
    },
    config: { view: { stroke: "#ddd" }, axis: { labelFontSize: FONT_PX, titleFontSize: 11 } },
    resolve: { scale: { x: "shared", color: "shared" } },
    spacing: 6,
    vconcat: [
      {
        name: "servers",
        width: WIDTH,
        height: LANE_PX * units.length,
        encoding: { x: x(null) },
        layer: [
          {
            data: { values: life },
            mark: { type: "rule", color: "#bbb", strokeWidth: 1 },
            encoding: { x2: { field: "t1" }, y: lane },
          },
          {
            data: { values: bars },
            mark: { type: "bar", height: { band: 0.7 }, opacity: 0.75 },
            encoding: { x2: { field: "t1" }, y: lane, color },
          },
          eventRules(0.45),
          {
            data: { values: marks },
            mark: { ...label, baseline: "middle", dx: 4, color: "#222" },
            encoding: {
              y: lane,
              yOffset: { field: "shift", type: "quantitative", scale: null },
              text: { field: "text" },
            },
          },
          operation(false),
        ],
      },
      {
        name: "writes",
        width: WIDTH,
        height: WRITES_PX,
        encoding: { x: x({ title: "seconds since the operation started" }) },
        layer: [
          {
            data: { values: gapMs > 0 ? [{ t: gapStart, t1: gapStart + gapMs / 1000, what: KEY.gap }] : [] },
            layer: [
              { mark: { type: "rect", opacity: 0.6 }, encoding: { x2: { field: "t1" }, color } },
              {
                mark: { ...label, baseline: "top", dy: 17, color: "#a50f15" },
                encoding: { y: { value: 0 }, text: { value: `longest gap ${Math.round(gapMs)} ms` } },
              },
            ],
          },
          {
            data: { values: trace.ok.map((at) => ({ at: seconds(at), what: KEY.ok })) },
            transform: [
              {
                bin: { step: 0.1, extent: [Math.floor(begin * 10) / 10, end] },
                field: "at",
                as: ["t", "t1"],
              },
              { aggregate: [{ op: "count", as: "writes" }], groupby: ["t", "t1", "what"] },
            ],
            mark: { type: "rect" },
            encoding: {
              x2: { field: "t1" },
              y2: { datum: 0 },
              y: {
                field: "writes",
                type: "quantitative",
                title: "writes per 100 ms",
                scale: { domain: [0, yMax] },
              },
              color,
            },
          },
          eventRules(0.9),
          {
            data: { values: trace.failed.map((failure) => ({ t: seconds(failure.at), what: KEY.failed })) },
            mark: { type: "point", shape: "triangle-down", filled: true, size: 90, opacity: 1 },
            encoding: { y: { datum: 0, type: "quantitative" }, color },
          },
          operation(true),
        ],
      },
    ],
  };
  return spec;
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Renders a Vega-Lite specification to SVG in Node (no canvas: Vega estimates text widths). The file
 * is a static picture: Vega's ARIA attributes for interactive views (role on <g>, which Biome's a11y
 * lint rejects) give way to one <title>, `title`.
 */
export async function renderSvg(spec: TopLevelSpec, title: string): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    const svg = (await view.toSVG()).replace(/ (?:role|aria-[a-z]+)="[^"]*"/g, "");
    return `${svg.replace(/^<svg[^>]*>/, (open) => `${open}<title>${escapeXml(title)}</title>`)}\n`;
  } finally {
    view.finalize();
  }
}
