/**
 * Command-line parsing as Juju's hook tools do it: github.com/juju/gnuflag with interspersed
 * flags (juju/cmd `Main` → `f.Parse(allowIntersperse=true, args)`).
 *
 * Behaviour reproduced from gnuflag flag.go (`parseOne`, `parseFlagArg`, `flagWithMinus`):
 * - `--name value`, `--name=value`, `-n value`, `-nvalue`; for a *short* flag `-n=value` the value
 *   is `=value` (gnuflag only strips the `=` of long flags), so `-r=3` is the relation id "=3";
 * - boolean flags take no argument unless written `--flag=value` (strconv.ParseBool);
 * - several short booleans may be combined (`-ab`);
 * - `-` and `""` are positional, `--` ends flag parsing;
 * - `-h`/`--help`, when not defined, request help (exit 0).
 */
import { goQuote } from "./go-value";

/** A flag or Init() error: the tool prints `ERROR <message>` and exits 2. */
export class UsageError extends Error {}

/** `-h`/`--help`: the tool prints its help on stdout and exits 0. */
export class HelpRequested extends Error {}

export interface FlagValue {
  readonly isBool: boolean;
  /** Throws an Error whose message is the Go error text (wrapped as `invalid value …`). */
  set(value: string): void;
  /** The default shown in help. */
  display(): string;
}

export interface Ref<T> {
  value: T;
}

interface FlagEntry {
  readonly names: readonly string[];
  readonly usage: string;
  readonly value: FlagValue;
}

const TRUE_WORDS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_WORDS = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`);
}

/** strconv.Atoi (base 10, optional sign). */
export function goAtoi(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Error(`strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`);
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new Error(`strconv.Atoi: parsing ${goQuote(text)}: value out of range`);
  return value;
}

/** strconv.ParseInt(text, 0, 64) as gnuflag's int flags use it (0x, 0o, 0b and leading-0 octal). */
export function goParseInt(text: string): number {
  const fail = (why: string): never => {
    throw new Error(`strconv.ParseInt: parsing ${goQuote(text)}: ${why}`);
  };
  const match = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!match) return fail("invalid syntax");
  const sign = match[1] === "-" ? -1 : 1;
  const body = (match[2] as string).replaceAll("_", "");
  let value: number;
  if (/^0[xX]/.test(body)) value = Number.parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) value = Number.parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) value = Number.parseInt(body.slice(2), 8);
  else if (body.length > 1 && body.startsWith("0")) value = Number.parseInt(body.slice(1), 8);
  else value = Number.parseInt(body, 10);
  if (!Number.isSafeInteger(value)) return fail("value out of range");
  return sign * value;
}

export function flagWithMinus(name: string): string {
  return Buffer.byteLength(name, "utf8") > 1 ? `--${name}` : `-${name}`;
}

export class FlagSet {
  private readonly entries: FlagEntry[] = [];
  private readonly byName = new Map<string, FlagEntry>();

  constructor(readonly command: string) {}

  /** Registers one value under several names (`-r` and `--relation` share a value in Juju). */
  custom(names: readonly string[], usage: string, value: FlagValue): void {
    const entry: FlagEntry = { names, usage, value };
    for (const name of names) {
      if (this.byName.has(name)) throw new Error(`flag redefined: ${name}`);
      this.byName.set(name, entry);
    }
    this.entries.push(entry);
  }

  bool(names: readonly string[], usage: string, initial = false): Ref<boolean> {
    const ref: Ref<boolean> = { value: initial };
    this.custom(names, usage, {
      isBool: true,
      set: (text) => {
        ref.value = parseGoBool(text);
      },
      display: () => String(initial),
    });
    return ref;
  }

  string(names: readonly string[], usage: string, initial = ""): Ref<string> {
    const ref: Ref<string> = { value: initial };
    this.custom(names, usage, {
      isBool: false,
      set: (text) => {
        ref.value = text;
      },
      display: () => goQuote(initial),
    });
    return ref;
  }

  int(names: readonly string[], usage: string, initial = 0): Ref<number> {
    const ref: Ref<number> = { value: initial };
    this.custom(names, usage, {
      isBool: false,
      set: (text) => {
        ref.value = goParseInt(text);
      },
      display: () => String(initial),
    });
    return ref;
  }

  /** Parses `args`; returns the positional arguments. Throws UsageError or HelpRequested. */
  parse(args: readonly string[]): string[] {
    const positional: string[] = [];
    let index = 0;
    let pending = ""; // gnuflag's procFlag: the unparsed rest of the current argument
    for (;;) {
      let name: string;
      let long = false;
      if (pending !== "") {
        const rune = String.fromCodePoint(pending.codePointAt(0) as number);
        name = rune;
        pending = pending.slice(rune.length);
      } else {
        if (index >= args.length) break;
        const arg = args[index] as string;
        if (arg === "-" || arg === "" || !arg.startsWith("-")) {
          positional.push(arg);
          index++;
          continue;
        }
        if (arg === "--") {
          positional.push(...args.slice(index + 1));
          break;
        }
        index++;
        if (arg[1] === "-") {
          long = true;
          const eq = arg.indexOf("=");
          if (eq < 0) {
            name = arg.slice(2);
          } else {
            name = arg.slice(2, eq);
            if (name === "") throw new UsageError(`empty flag in argument ${goQuote(arg)}`);
            pending = arg.slice(eq);
          }
        } else {
          const rest = arg.slice(1);
          const rune = String.fromCodePoint(rest.codePointAt(0) as number);
          name = rune;
          pending = rest.slice(rune.length);
        }
      }
      const entry = this.byName.get(name);
      if (!entry) {
        if (name === "help" || name === "h") throw new HelpRequested("flag: help requested");
        throw new UsageError(`flag provided but not defined: ${flagWithMinus(name)}`);
      }
      if (entry.value.isBool && !pending.startsWith("=")) {
        entry.value.set("true");
        continue;
      }
      let value: string | undefined;
      if (pending !== "") {
        value = long ? pending.slice(1) : pending;
        pending = "";
      } else if (index < args.length) {
        value = args[index] as string;
        index++;
      }
      if (value === undefined) throw new UsageError(`flag needs an argument: ${flagWithMinus(name)}`);
      try {
        entry.value.set(value);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new UsageError(`invalid value ${goQuote(value)} for flag ${flagWithMinus(name)}: ${why}`);
      }
    }
    return positional;
  }

  /** The "Options:" section of juju/cmd help, roughly as gnuflag's PrintDefaults renders it. */
  optionsHelp(): string {
    const lines: string[] = [];
    const sorted = [...this.entries].sort((a, b) =>
      (a.names.at(-1) ?? "").localeCompare(b.names.at(-1) ?? ""),
    );
    for (const entry of sorted) {
      const names = entry.names.map(flagWithMinus).join(", ");
      lines.push(`${names}  (= ${entry.value.display()})`);
      if (entry.usage !== "") lines.push(`    ${entry.usage}`);
    }
    return lines.join("\n");
  }
}
