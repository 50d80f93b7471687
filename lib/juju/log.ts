/**
 * Logging with pino into `juju debug-log`. Spawning `juju-log` per line costs a process each, so
 * lines are buffered and flushed when the hook ends: one `juju-log` call per run of consecutive lines
 * of the same level, which keeps every level intact at the cost of a few calls per hook.
 */
import pino, { type Logger } from "pino";
import type { HookTools, LogLevel } from "./hook-tools";

export type { Logger } from "pino";

const LEVELS: Readonly<Record<number, LogLevel>> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARNING",
  50: "ERROR",
  60: "CRITICAL",
};

const OMITTED = new Set(["level", "time", "msg", "pid", "hostname"]);

export interface LogLine {
  readonly level: LogLevel;
  readonly text: string;
}

/** Paths pino replaces with "[redacted]" wherever a caller passes them by mistake. */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "passwords",
  "*.passwords",
  "secret",
  "*.secret",
  "content",
  "*.content",
];

/** Turns one pino JSON line into `message key=value …`. */
export function formatRecord(record: Record<string, unknown>): LogLine {
  const level = LEVELS[typeof record.level === "number" ? record.level : 30] ?? "INFO";
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  const message = typeof record.msg === "string" ? record.msg : "";
  return { level, text: [message, ...fields].filter((part) => part !== "").join(" ") };
}

export class BufferedJujuLog {
  private readonly lines: LogLine[] = [];

  /** pino's destination interface. */
  write(chunk: string): void {
    for (const line of chunk.split("\n")) {
      if (line.trim() === "") continue;
      try {
        this.lines.push(formatRecord(JSON.parse(line) as Record<string, unknown>));
      } catch {
        this.lines.push({ level: "INFO", text: line });
      }
    }
  }

  get pending(): readonly LogLine[] {
    return this.lines;
  }

  /** Sends buffered lines, one juju-log call per run of equal levels. */
  flush(tools: Pick<HookTools, "jujuLog">): void {
    let start = 0;
    while (start < this.lines.length) {
      const level = this.lines[start]!.level;
      let end = start + 1;
      while (end < this.lines.length && this.lines[end]!.level === level) end += 1;
      const text = this.lines
        .slice(start, end)
        .map((line) => line.text)
        .join("\n");
      tools.jujuLog(level, text);
      start = end;
    }
    this.lines.length = 0;
  }
}

export function createLogger(sink: BufferedJujuLog, level: pino.LevelWithSilent = "debug"): Logger {
  return pino(
    { level, base: undefined, timestamp: false, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    sink,
  );
}
