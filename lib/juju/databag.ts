/**
 * Typed relation databags. A schema names each key and how to parse its string value; parsing never
 * throws: a bad value is dropped and reported as an issue, so a peer's or client's malformed data can
 * be logged and ignored instead of crashing the hook.
 */

export interface Field<T> {
  /** Parses a raw databag string; throws an Error whose message says what is wrong. */
  parse(raw: string): T;
  serialize(value: T): string;
  /** True when the value must never be logged (passwords). */
  readonly secret?: boolean;
}

export type Schema = Readonly<Record<string, Field<unknown>>>;
export type Bag<S extends Schema> = { [K in keyof S]?: S[K] extends Field<infer T> ? T : never };

export interface DatabagIssue {
  /** Which bag: e.g. `cluster:3 zookeeper/1` or `zookeeper:7 app kafka`. */
  readonly source: string;
  readonly key: string;
  readonly problem: string;
}

export interface ParsedBag<S extends Schema> {
  readonly data: Bag<S>;
  readonly issues: readonly DatabagIssue[];
}

export function parseBag<S extends Schema>(
  schema: S,
  raw: Readonly<Record<string, string>>,
  source: string,
): ParsedBag<S> {
  const data: Record<string, unknown> = {};
  const issues: DatabagIssue[] = [];
  for (const [key, field] of Object.entries(schema)) {
    const value = raw[key];
    if (value === undefined || value === "") continue;
    try {
      data[key] = field.parse(value);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      issues.push({ source, key, problem: field.secret ? "invalid value (not shown)" : problem });
    }
  }
  return { data: data as Bag<S>, issues };
}

/** Serializes typed values; `null` or `undefined` deletes the key (written as `""`). */
export function serializeBag<S extends Schema>(
  schema: S,
  values: { [K in keyof S]?: (S[K] extends Field<infer T> ? T : never) | null },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = schema[key];
    if (!field) throw new Error(`databag key ${JSON.stringify(key)} is not in the schema`);
    out[key] = value === null || value === undefined ? "" : field.serialize(value);
  }
  return out;
}

function describe(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
}

export const field = {
  string(options: { pattern?: RegExp; maxLength?: number; secret?: boolean } = {}): Field<string> {
    return {
      secret: options.secret,
      parse(raw) {
        if (options.maxLength !== undefined && raw.length > options.maxLength) {
          throw new Error(`longer than ${options.maxLength} characters`);
        }
        if (options.pattern && !options.pattern.test(raw)) {
          throw new Error(`${options.secret ? "value" : describe(raw)} does not match ${options.pattern}`);
        }
        return raw;
      },
      serialize: (value) => value,
    };
  },
  int(options: { min?: number; max?: number } = {}): Field<number> {
    return {
      parse(raw) {
        if (!/^-?\d+$/.test(raw)) throw new Error(`${describe(raw)} is not an integer`);
        const value = Number(raw);
        if (!Number.isSafeInteger(value)) throw new Error(`${describe(raw)} is out of range`);
        if (options.min !== undefined && value < options.min)
          throw new Error(`${value} is below ${options.min}`);
        if (options.max !== undefined && value > options.max)
          throw new Error(`${value} is above ${options.max}`);
        return value;
      },
      serialize: (value) => String(value),
    };
  },
  boolean(): Field<boolean> {
    return {
      parse(raw) {
        if (raw === "true") return true;
        if (raw === "false") return false;
        throw new Error(`${describe(raw)} is neither "true" nor "false"`);
      },
      serialize: (value) => String(value),
    };
  },
  oneOf<const T extends string>(values: readonly T[]): Field<T> {
    return {
      parse(raw) {
        if (!(values as readonly string[]).includes(raw)) {
          throw new Error(`${describe(raw)} is not one of ${values.join(", ")}`);
        }
        return raw as T;
      },
      serialize: (value) => value,
    };
  },
  /** A JSON value checked by `check`, which throws (or returns undefined) when the shape is wrong. */
  json<T>(check: (value: unknown) => T | undefined): Field<T> {
    return {
      parse(raw) {
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          throw new Error(`${describe(raw)} is not JSON`);
        }
        const checked = check(value);
        if (checked === undefined) throw new Error(`${describe(raw)} has the wrong shape`);
        return checked;
      },
      serialize: (value) => JSON.stringify(value),
    };
  },
};
