import { describe, expect, it } from "vitest";
import { LOG_LEVELS, type LogLevel } from "../../../src/workload/charm-config";
import { renderLog4jProperties } from "../../../src/workload/log4j";
import { expectGolden } from "./golden";

describe("renderLog4jProperties", () => {
  it("renders a size-rotated file appender", () => {
    expectGolden("log4j.properties", renderLog4jProperties({ level: "INFO" }));
  });

  it.each<[LogLevel, string]>([
    ["DEBUG", "DEBUG"],
    ["INFO", "INFO"],
    ["WARNING", "WARN"],
    ["ERROR", "ERROR"],
  ])("maps the charm level %s to log4j %s", (level, log4j) => {
    expect(renderLog4jProperties({ level })).toContain(`log4j.rootLogger=${log4j}, ROLLINGFILE\n`);
  });

  it("covers every charm level", () => {
    for (const level of LOG_LEVELS) expect(() => renderLog4jProperties({ level })).not.toThrow();
  });
});
