/**
 * Logging with pino into `juju debug-log`. Spawning `juju-log` per line costs a process each, so
 * lines are buffered and flushed when the hook ends: one `juju-log` call per run of consecutive lines
 * of the same level, which keeps every level intact at the cost of a few calls per hook.
 *
 * pino's own browser build is used: records come to us as objects (we format them ourselves), and it
 * loads in ~0 ms where pino's Node build (worker threads, sonic-boom) adds ~25 ms to every hook —
 * measured with hyperfine against `node -e 0`. Redaction is therefore ours (redactRecord).
 */

import type { Logger } from "pino";
import pino from "pino/browser";
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

/** Field names whose values never reach the log, at any depth, wherever a caller passes them by mistake. */
export const REDACTED_KEYS: ReadonlySet<string> = new Set(["password", "passwords", "secret", "content"]);

/** A copy of `value` with every REDACTED_KEYS field replaced by "[redacted]". */
export function redactRecord(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactRecord(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      REDACTED_KEYS.has(key.toLowerCase()) ? "[redacted]" : redactRecord(item, depth + 1),
    ]),
  );
}

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

  /** Receives each record pino logs. */
  write(record: Record<string, unknown>): void {
    this.lines.push(formatRecord(redactRecord(record) as Record<string, unknown>));
  }

  get pending(): readonly LogLine[] {
    return this.lines;
  }

  /**
   * Sends buffered lines, one juju-log call per run of equal levels, each message below Linux's
   * 128 KiB limit on one argument (MAX_ARG_STRLEN: a longer one fails the exec with E2BIG): runs are
   * split between lines, and a single longer line into pieces.
   */
  flush(tools: Pick<HookTools, "jujuLog">): void {
    let start = 0;
    while (start < this.lines.length) {
      const level = this.lines[start]!.level;
      let end = start + 1;
      while (end < this.lines.length && this.lines[end]!.level === level) end += 1;
      for (const chunk of chunks(this.lines.slice(start, end).map((line) => line.text))) {
        tools.jujuLog(level, chunk);
      }
      start = end;
    }
    this.lines.length = 0;
  }
}

/** The largest juju-log message, in UTF-16 code units: below 128 KiB even if every one took 3 bytes. */
export const MAX_LOG_MESSAGE = 40_000;

function chunks(texts: readonly string[]): string[] {
  const pieces = texts.flatMap((text) => {
    const parts: string[] = [];
    for (let offset = 0; offset < text.length; offset += MAX_LOG_MESSAGE) {
      parts.push(text.slice(offset, offset + MAX_LOG_MESSAGE));
    }
    return parts.length > 0 ? parts : [""];
  });
  const messages: string[] = [];
  let current: string | undefined;
  for (const piece of pieces) {
    if (current !== undefined && current.length + 1 + piece.length <= MAX_LOG_MESSAGE) {
      current = `${current}\n${piece}`;
    } else {
      if (current !== undefined) messages.push(current);
      current = piece;
    }
  }
  if (current !== undefined) messages.push(current);
  return messages;
}

export function createLogger(sink: BufferedJujuLog, level: "trace" | "debug" | "info" = "debug"): Logger {
  return pino({
    level,
    browser: { asObject: true, write: (record: object) => sink.write(record as Record<string, unknown>) },
  });
}
