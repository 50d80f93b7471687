/**
 * Values as the Go hook tools hold them before formatting, and juju/cmd's three formatters
 * (`smart`, `json`, `yaml`; juju/cmd output.go `FormatSmart/FormatJson/FormatYaml`).
 *
 * Go distinguishes things JavaScript does not: a nil slice prints `null` in JSON but `[]` in YAML,
 * a `[]string` is "smart"-printed one item per line while a `[]interface{}` is printed as YAML,
 * struct fields keep their declaration order while map keys are sorted. The small wrapper classes
 * below carry exactly those distinctions.
 */
import YAML, { Scalar } from "yaml";

/** A Go `[]string`; `items === null` is the nil slice. */
export class StringSlice {
  constructor(readonly items: readonly string[] | null) {}
}

/**
 * A Go struct: fields in declaration order (omitempty already applied by the builder).
 * `yamlOnly` names fields tagged `json:"-"` (network-get keeps legacy YAML-only keys).
 */
export class GoStruct {
  constructor(
    readonly fields: ReadonlyArray<readonly [string, GoValue]>,
    readonly yamlOnly: ReadonlySet<string> = new Set(),
  ) {}
}

/** A Go `time.Time`: JSON-quoted RFC 3339, YAML plain (goyaml's `timev`). */
export class GoTime {
  constructor(readonly iso: string) {}
}

/** A Go map with string keys (printed with sorted keys). */
export interface GoMap {
  readonly [key: string]: GoValue;
}

/** `bigint` is a Go int64 beyond JavaScript's safe integers (config-get of an int option). */
export type GoValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | StringSlice
  | GoStruct
  | GoTime
  | GoValue[]
  | GoMap;

export type FormatName = "smart" | "json" | "yaml";

export const DEFAULT_FORMATTERS: readonly FormatName[] = ["json", "smart", "yaml"];
export const SERIALISABLE_FORMATTERS: readonly FormatName[] = ["json", "yaml"];

/** Converts plain JSON-ish data (parsed JSON, action params) into Go values (`[]interface{}`, maps). */
export function fromPlain(value: unknown): GoValue {
  if (value === null || value === undefined) return null;
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  )
    return value;
  if (Array.isArray(value)) return value.map(fromPlain);
  if (typeof value === "object") {
    const out: Record<string, GoValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = fromPlain(item);
    return out;
  }
  return String(value);
}

// --- JSON (encoding/json.Marshal) ------------------------------------------------------------

/** encoding/json string escaping, including its HTML-safe escapes of <, > and &. */
export function goJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = text[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || ch === "<" || ch === ">" || ch === "&" || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + (text[i + 1] as string);
        i++;
      } else {
        out += "\\ufffd"; // Go replaces invalid UTF-8 (a lone surrogate here) with U+FFFD
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      out += "\\ufffd";
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

function goJsonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${value}`);
  // JavaScript and Go agree on the shortest round-trip form and on when to use exponents
  // (Go: abs < 1e-6 || abs >= 1e21), and both print "e-7" rather than "e-07".
  return JSON.stringify(value);
}

export function goJson(value: GoValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return goJsonString(value);
  if (typeof value === "number") return goJsonNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof StringSlice) {
    return value.items === null ? "null" : `[${value.items.map(goJsonString).join(",")}]`;
  }
  if (value instanceof GoTime) return goJsonString(value.iso);
  if (value instanceof GoStruct) {
    return `{${value.fields
      .filter(([key]) => !value.yamlOnly.has(key))
      .map(([key, item]) => `${goJsonString(key)}:${goJson(item)}`)
      .join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  const keys = Object.keys(value).sort(compareGoStrings);
  return `{${keys.map((key) => `${goJsonString(key)}:${goJson(value[key] as GoValue)}`).join(",")}}`;
}

/** Go compares strings bytewise (UTF-8), which for BMP text equals UTF-16 code unit order. */
export function compareGoStrings(a: string, b: string): number {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return Buffer.compare(left, right);
}

export function sortGoStrings(values: Iterable<string>): string[] {
  return [...values].sort(compareGoStrings);
}

// --- YAML (gopkg.in/yaml.v2 Marshal) --------------------------------------------------------

const YAML11_BOOL = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "on",
  "On",
  "ON",
  "off",
  "Off",
  "OFF",
]);
const YAML11_NULL = new Set(["", "~", "null", "Null", "NULL"]);
const YAML11_SPECIAL_FLOAT = /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;
const YAML11_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const YAML11_INT = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP = [
  /^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?$/,
  /^\d{4}-\d{1,2}-\d{1,2}$/,
];

/**
 * True when goyaml v2 would resolve the plain scalar to something other than a string (YAML 1.1
 * null/bool/int/float/timestamp, or a base-60 float) and therefore double-quotes it
 * (yaml.v2 encode.go `stringv`).
 */
function goyamlNeedsDoubleQuotes(text: string): boolean {
  if (YAML11_NULL.has(text) || YAML11_BOOL.has(text)) return true;
  if (YAML11_SPECIAL_FLOAT.test(text) || YAML11_FLOAT.test(text) || YAML11_INT.test(text)) return true;
  if (BASE60_FLOAT.test(text)) return true;
  return TIMESTAMP.some((pattern) => pattern.test(text));
}

const TIME_MARK = Symbol("go-time");

function toYamlData(value: GoValue): unknown {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  if (value instanceof StringSlice) return value.items === null ? [] : [...value.items];
  if (value instanceof GoTime) return { [TIME_MARK]: value.iso };
  if (value instanceof GoStruct) return new Map(value.fields.map(([key, item]) => [key, toYamlData(item)]));
  if (Array.isArray(value)) return value.map(toYamlData);
  const keys = Object.keys(value).sort(compareGoStrings);
  return new Map(keys.map((key) => [key, toYamlData(value[key] as GoValue)]));
}

function replaceTimes(value: unknown): unknown {
  if (value instanceof Map) {
    return new Map([...value.entries()].map(([key, item]) => [key, replaceTimes(item)]));
  }
  if (Array.isArray(value)) return value.map(replaceTimes);
  if (value !== null && typeof value === "object" && TIME_MARK in value) {
    const scalar = new Scalar((value as Record<symbol, string>)[TIME_MARK]);
    scalar.type = Scalar.PLAIN;
    (scalar as Scalar & { goTime?: boolean }).goTime = true;
    return scalar;
  }
  return value;
}

function goYaml(value: GoValue): string {
  const data = replaceTimes(toYamlData(value));
  const doc = new YAML.Document(data);
  YAML.visit(doc, {
    Scalar(_key, node) {
      if ((node as Scalar & { goTime?: boolean }).goTime) return;
      if (typeof node.value !== "string") return;
      if (node.value.includes("\n")) node.type = Scalar.BLOCK_LITERAL;
      else if (goyamlNeedsDoubleQuotes(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 80, minContentWidth: 20, singleQuote: true });
}

/** cmd.FormatYaml: nil → nothing; trailing newlines trimmed, then exactly one added. */
export function formatYaml(value: GoValue): string {
  if (value === null) return "";
  const text = goYaml(value).replace(/\n+$/, "");
  return text === "" ? "" : `${text}\n`;
}

/** cmd.FormatJson: json.Marshal + "\n". */
export function formatJson(value: GoValue): string {
  return `${goJson(value)}\n`;
}

/** cmd.FormatSmart: string raw, []string one per line, bool True/False, nil nothing, else YAML. */
export function formatSmart(value: GoValue): string {
  if (value === null) return "";
  let text: string;
  if (typeof value === "string") text = value;
  else if (value instanceof StringSlice) text = (value.items ?? []).join("\n");
  else if (typeof value === "boolean") text = value ? "True" : "False";
  else return formatYaml(value);
  return text === "" ? "" : `${text}\n`;
}

export function formatValue(format: FormatName, value: GoValue): string {
  switch (format) {
    case "json":
      return formatJson(value);
    case "yaml":
      return formatYaml(value);
    case "smart":
      return formatSmart(value);
  }
}

// --- Go fmt %q -----------------------------------------------------------------------------

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote / fmt %q for a string. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\v") out += "\\v";
    else if (code >= 0xd800 && code <= 0xdfff) out += "\\ufffd";
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** fmt %q of a []string: `["a" "b"]`. */
export function goQuoteList(items: readonly string[]): string {
  return `[${items.map(goQuote).join(" ")}]`;
}

// --- time.ParseDuration -----------------------------------------------------------------------

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration, in milliseconds; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const match = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const part of (match[2] as string).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (DURATION_UNITS[part[2] as string] as number);
  }
  return match[1] === "-" ? -total : total;
}
