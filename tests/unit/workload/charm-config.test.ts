import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { declaredOptions, parseConfig } from "../../../lib/juju";
import { CHARM_CONFIG_SPEC, isLogLevel } from "../../../src/workload/charm-config";

describe("charm config", () => {
  it("defaults", () => {
    expect(parseConfig(CHARM_CONFIG_SPEC, {})).toEqual({
      ok: true,
      values: {
        "init-limit": 5,
        "sync-limit": 2,
        "tick-time": 2000,
        "log-level": "INFO",
        "autopurge-snap-retain-count": 3,
        "autopurge-purge-interval": 1,
        "heap-size-mb": 1024,
        "client-quota-bytes": 67_108_864,
        "client-quota-znodes": 100_000,
        "certificate-include-ip-sans": true,
        "tls-client-auth": "none",
      },
    });
  });

  it.each([
    ["init-limit", 1],
    ["init-limit", 10_000],
    ["sync-limit", 1],
    ["tick-time", 100],
    ["tick-time", 60_000],
    ["log-level", "DEBUG"],
    ["log-level", "WARNING"],
    ["log-level", "ERROR"],
    ["autopurge-snap-retain-count", 3],
    ["autopurge-purge-interval", 0],
    ["heap-size-mb", 128],
    ["heap-size-mb", 65_536],
  ])("accepts %s=%j", (option, value) => {
    expect(parseConfig(CHARM_CONFIG_SPEC, { [option]: value }).ok).toBe(true);
  });

  it.each([
    ["init-limit", 0, "init-limit must be between 1 and 10000 (got 0)"],
    ["init-limit", -3, "init-limit must be between 1 and 10000 (got -3)"],
    ["init-limit", 10_001, "init-limit must be between 1 and 10000 (got 10001)"],
    ["init-limit", 2.5, "init-limit must be an integer (got 2.5)"],
    ["sync-limit", 0, "sync-limit must be between 1 and 10000 (got 0)"],
    ["tick-time", 99, "tick-time must be between 100 and 60000 (milliseconds) (got 99)"],
    ["tick-time", 60_001, "tick-time must be between 100 and 60000 (milliseconds) (got 60001)"],
    ["tick-time", "2000", 'tick-time must be an integer (got "2000")'],
    [
      "log-level",
      "warning",
      'log-level must be one of DEBUG, INFO, WARNING, ERROR (case-sensitive) (got "warning")',
    ],
    [
      "log-level",
      "WARN",
      'log-level must be one of DEBUG, INFO, WARNING, ERROR (case-sensitive) (got "WARN")',
    ],
    ["autopurge-snap-retain-count", 2, "autopurge-snap-retain-count must be between 3 and 1000 (got 2)"],
    [
      "autopurge-purge-interval",
      -1,
      "autopurge-purge-interval must be between 0 and 8760 (hours; 0 disables) (got -1)",
    ],
    ["heap-size-mb", 64, "heap-size-mb must be between 128 and 65536 (MiB) (got 64)"],
    ["heap-size-mb", 1_024_000, "heap-size-mb must be between 128 and 65536 (MiB) (got 1024000)"],
  ])("blocks %s=%j with a message naming the option and the rule", (option, value, message) => {
    expect(parseConfig(CHARM_CONFIG_SPEC, { [option]: value })).toEqual({
      ok: false,
      problems: [{ option, message }],
    });
  });

  it("reports every invalid option at once", () => {
    const result = parseConfig(CHARM_CONFIG_SPEC, { "init-limit": 0, "log-level": "info" });
    expect(result.ok ? [] : result.problems.map((p) => p.option)).toEqual(["init-limit", "log-level"]);
  });

  it("isLogLevel narrows exactly the accepted levels", () => {
    expect(["DEBUG", "INFO", "WARNING", "ERROR", "WARN", "info"].filter(isLogLevel)).toEqual([
      "DEBUG",
      "INFO",
      "WARNING",
      "ERROR",
    ]);
  });

  it("charmcraft.yaml declares exactly these options, so the two can never drift", () => {
    const path = fileURLToPath(new URL("../../../charmcraft.yaml", import.meta.url));
    const charmcraft = parse(readFileSync(path, "utf8")) as { config?: { options?: unknown } };
    expect(charmcraft.config?.options).toEqual(declaredOptions(CHARM_CONFIG_SPEC));
  });
});
