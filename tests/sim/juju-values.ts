/**
 * Values as Juju parses them from its CLI: `juju config` strings into the option's type (the charm
 * package's `Option.parse`), Go durations for model config, and `juju run` parameters against an
 * action's JSON schema.
 */
import type { Charm } from "./model";
import { parseGoDuration } from "./tools/go-value";

export function parseDuration(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined) throw new Error(`invalid duration ${JSON.stringify(value)}`);
  return ms;
}

const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseBool spellings (charm config `boolean` options are parsed with it). */
const GO_BOOLS: Readonly<Record<string, boolean>> = {
  "1": true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/**
 * Converts a `juju config` string into the option's type the way the charm package's
 * `Option.parse` does (strconv.ParseInt / ParseFloat / ParseBool, no trimming), with its error text
 * `option "<key>" expected <type>, got "<value>"`.
 */
export function convertConfigValue(charm: Charm, key: string, raw: string): unknown {
  const option = charm.config[key];
  if (!option) throw new Error(`unknown option "${key}"`);
  const wrong = () => new Error(`option "${key}" expected ${option.type}, got ${JSON.stringify(raw)}`);
  switch (option.type) {
    case "int": {
      // strconv.ParseInt(raw, 10, 64): an int64. Beyond 2^53 the value is kept as its decimal
      // text, which config-get prints as the integer it is (GoValue bigint).
      if (!/^[+-]?\d+$/.test(raw)) throw wrong();
      const value = BigInt(raw);
      if (value > INT64_MAX || value < -INT64_MAX - 1n) throw wrong();
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    }
    case "float":
      if (/^[+-]?(inf|infinity)$/i.test(raw)) return raw.startsWith("-") ? -Infinity : Infinity;
      if (/^[+-]?nan$/i.test(raw)) return Number.NaN;
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw)) throw wrong();
      return Number(raw);
    case "boolean": {
      const value = GO_BOOLS[raw];
      if (value === undefined) throw wrong();
      return value;
    }
    default:
      return raw;
  }
}

/** Validates `juju run` parameters against an action's JSON-schema params, filling defaults. */
export function validateActionParams(
  decl: {
    params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    required?: readonly string[];
    additionalProperties?: boolean;
  },
  params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const schema = decl.params ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const property = schema[key];
    if (!property) {
      if (decl.additionalProperties === false) {
        throw new Error(
          `validation failed: (root) : additional property "${key}" is not allowed, given {"${key}":${JSON.stringify(value)}}`,
        );
      }
      out[key] = value;
      continue;
    }
    const type = property.type;
    const actual = Array.isArray(value)
      ? "array"
      : value === null
        ? "null"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "integer"
            : "number"
          : typeof value;
    const ok = type === undefined || type === actual || (type === "number" && actual === "integer");
    if (!ok)
      throw new Error(
        `validation failed: (root).${key} : invalid type. Expected: ${String(type)}, given: ${actual}`,
      );
    if (Array.isArray(property.enum) && !property.enum.includes(value)) {
      throw new Error(
        `validation failed: (root).${key} : ${key} must be one of the following: ${property.enum.map((v) => JSON.stringify(v)).join(", ")}`,
      );
    }
    out[key] = value;
  }
  for (const [key, property] of Object.entries(schema)) {
    if (out[key] === undefined && property.default !== undefined) out[key] = property.default;
  }
  for (const key of decl.required ?? []) {
    if (out[key] === undefined)
      throw new Error(`validation failed: (root) : "${key}" property is missing and required, given {}`);
  }
  return out;
}
