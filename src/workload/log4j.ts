/**
 * log4j 1.2 configuration for the server. Debian's classpath has no SLF4J binding, so without
 * slf4j-log4j12 + log4j-1.2 (jvm.ts) and this file ZooKeeper logs nothing at all (zookeeper-notes §4).
 */
import type { LogLevel } from "./charm-config";
import { LOG_FILE_PATH } from "./paths";

export interface Log4jInput {
  readonly level: LogLevel;
}

/** The charm keeps the Python charm's level names; log4j 1.2 spells WARNING as WARN. */
const LOG4J_LEVEL: Readonly<Record<LogLevel, string>> = {
  DEBUG: "DEBUG",
  INFO: "INFO",
  WARNING: "WARN",
  ERROR: "ERROR",
};

/**
 * 256 MB × 10 backups caps the logs at ~2.8 GB. The file size matches the Python charm's
 * (reference-charm §3.5) so operators' habits carry over; half its 20 backups because /var/log sits
 * on the root disk, not on the `data` storage, and DEBUG is the only level that fills it quickly.
 */
const MAX_FILE_SIZE = "256MB";
const MAX_BACKUP_INDEX = 10;

/**
 * ISO8601 date, ZooKeeper's `myid` MDC, level, thread and logger. `%c` (logger name) rather than
 * `%C`/`%L`, which log4j computes from a stack trace on every line.
 */
const PATTERN = "%d{ISO8601} [myid:%X{myid}] %-5p [%t] %c - %m%n";

export function renderLog4jProperties(input: Log4jInput): string {
  const level = LOG4J_LEVEL[input.level];
  if (level === undefined) throw new TypeError(`log4j: unknown log level ${JSON.stringify(input.level)}`);
  return `${[
    "# Managed by the zookeeper Juju charm; local edits are overwritten.",
    `log4j.rootLogger=${level}, ROLLINGFILE`,
    "log4j.appender.ROLLINGFILE=org.apache.log4j.RollingFileAppender",
    `log4j.appender.ROLLINGFILE.File=${LOG_FILE_PATH}`,
    `log4j.appender.ROLLINGFILE.MaxFileSize=${MAX_FILE_SIZE}`,
    `log4j.appender.ROLLINGFILE.MaxBackupIndex=${MAX_BACKUP_INDEX}`,
    "log4j.appender.ROLLINGFILE.layout=org.apache.log4j.PatternLayout",
    `log4j.appender.ROLLINGFILE.layout.ConversionPattern=${PATTERN}`,
  ].join("\n")}\n`;
}
