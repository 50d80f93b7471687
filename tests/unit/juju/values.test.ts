import { describe, expect, it } from "vitest";
import {
  active,
  blocked,
  field,
  highestPriority,
  maintenance,
  parseBag,
  parseConfig,
  StatusCollector,
  serializeBag,
  waiting,
} from "../../../lib/juju";

describe("status priority", () => {
  it("blocked > maintenance > waiting > active; first among equals", () => {
    expect(highestPriority([active(), waiting("a"), maintenance("b"), waiting("c")])).toEqual(
      maintenance("b"),
    );
    expect(highestPriority([waiting("a"), blocked("x"), maintenance("b")])).toEqual(blocked("x"));
    expect(highestPriority([waiting("first"), waiting("second")])).toEqual(waiting("first"));
    expect(highestPriority([active("ready")])).toEqual(active("ready"));
    expect(highestPriority([])).toBeUndefined();
  });

  it("the collector keeps every proposal and picks one", () => {
    const collector = new StatusCollector();
    collector.add(active());
    collector.add(waiting("for peers"));
    expect(collector.all).toHaveLength(2);
    expect(collector.chosen).toEqual(waiting("for peers"));
  });
});

describe("databags", () => {
  const schema = {
    state: field.oneOf(["started", "stopped"] as const),
    port: field.int({ min: 1, max: 65535 }),
    ready: field.boolean(),
    ip: field.string({ pattern: /^\d+\.\d+\.\d+\.\d+$/ }),
    password: field.string({ pattern: /^[A-Za-z0-9]{32}$/, secret: true }),
    members: field.json((value) => (Array.isArray(value) ? (value as string[]) : undefined)),
  };

  it("parses valid values and ignores unknown and empty keys", () => {
    const parsed = parseBag(
      schema,
      {
        state: "started",
        port: "2181",
        ready: "true",
        ip: "127.0.0.1",
        members: '["a"]',
        other: "x",
        password: "",
      },
      "cluster:0 zookeeper/1",
    );
    expect(parsed.data).toEqual({
      state: "started",
      port: 2181,
      ready: true,
      ip: "127.0.0.1",
      members: ["a"],
    });
    expect(parsed.issues).toEqual([]);
  });

  it("drops each invalid value with an issue naming the bag and key, never throwing", () => {
    const parsed = parseBag(
      schema,
      { state: "exploded", port: "99999", ready: "yes", ip: "nope", members: "{", password: "short secret" },
      "cluster:0 zookeeper/1",
    );
    expect(parsed.data).toEqual({});
    expect(parsed.issues.map((issue) => issue.key)).toEqual([
      "state",
      "port",
      "ready",
      "ip",
      "password",
      "members",
    ]);
    expect(parsed.issues[0]).toEqual({
      source: "cluster:0 zookeeper/1",
      key: "state",
      problem: '"exploded" is not one of started, stopped',
    });
    expect(parsed.issues.find((issue) => issue.key === "password")?.problem).toBe(
      "invalid value (not shown)",
    );
  });

  it("serializes typed values; null deletes", () => {
    expect(serializeBag(schema, { port: 2181, ready: false, members: ["a", "b"], state: null })).toEqual({
      port: "2181",
      ready: "false",
      members: '["a","b"]',
      state: "",
    });
  });
});

describe("config", () => {
  const spec = {
    "tick-time": {
      type: "int",
      default: 2000,
      description: "ms",
      check: (value: number) => (value > 0 ? undefined : "must be a positive integer"),
    },
    "log-level": {
      type: "string",
      default: "INFO",
      description: "level",
      check: (value: string) =>
        ["DEBUG", "INFO"].includes(value) ? undefined : "must be one of DEBUG, INFO",
    },
  } as const;

  it("fills defaults and passes valid values through", () => {
    expect(parseConfig(spec, {})).toEqual({ ok: true, values: { "tick-time": 2000, "log-level": "INFO" } });
    expect(parseConfig(spec, { "tick-time": 3000 })).toEqual({
      ok: true,
      values: { "tick-time": 3000, "log-level": "INFO" },
    });
  });

  it("names every invalid option and its rule", () => {
    const result = parseConfig(spec, { "tick-time": -1, "log-level": "LOUD" });
    expect(result).toEqual({
      ok: false,
      problems: [
        { option: "tick-time", message: "tick-time must be a positive integer (got -1)" },
        { option: "log-level", message: 'log-level must be one of DEBUG, INFO (got "LOUD")' },
      ],
    });
    expect(parseConfig(spec, { "tick-time": "fast" })).toMatchObject({
      ok: false,
      problems: [{ option: "tick-time", message: 'tick-time must be an integer (got "fast")' }],
    });
  });

  it("refuses an int64 beyond 2^53 (Juju accepts it; config-get's JSON rounds it) instead of using a rounded value", () => {
    expect(parseConfig(spec, JSON.parse('{"tick-time":9223372036854775807}'))).toMatchObject({
      ok: false,
      problems: [
        {
          option: "tick-time",
          message: expect.stringMatching(/^tick-time must be between -9007199254740991 and 9007199254740991/),
        },
      ],
    });
  });
});
