/**
 * The juju/cmd `Main` contract for one hook tool (juju/cmd cmd.go `Main`, `handleCommandError`,
 * `WriteError`): flags parsed → `Init(args)` → `Run`. A parse or Init error prints
 * `ERROR <msg>` and exits 2, a Run error exits 1, `-h/--help` prints help and exits 0.
 */
import { FlagSet, goAtoi, HelpRequested, type Ref } from "./flags";
import { type FormatName, formatValue, type GoValue, goQuote } from "./go-value";
import type { HookSession, ToolIO } from "./session";

export interface ToolOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunContext {
  readonly io: ToolIO;
  stdout: string;
  stderr: string;
}

export interface CommandBody {
  /**
   * Validates positional args (and, like Juju's Init, reads files named by them); throw an
   * Error (Go error text) for exit code 2.
   */
  init(args: string[], io: ToolIO): void;
  /** Does the work; throw an Error (Go error text) for exit code 1. */
  run(ctx: RunContext): void;
}

export interface ToolDef {
  readonly name: string;
  readonly args?: string;
  readonly purpose: string;
  readonly doc?: string;
  /** Registers flags and returns the command; runs before parsing (Juju's NewXCommand + SetFlags). */
  build(session: HookSession, flags: FlagSet): CommandBody;
}

/** Go's `errors.New`-style failure carrying the exact message Juju prints after `ERROR `. */
export function fail(message: string): never {
  throw new Error(message);
}

/** cmd.CheckEmpty. */
export function checkEmpty(args: readonly string[]): void {
  if (args.length !== 0) throw new Error(`unrecognized args: [${args.map(goQuote).join(" ")}]`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function help(def: ToolDef, flags: FlagSet): string {
  const usage = `Usage: ${def.name}${flags.optionsHelp() !== "" ? " [options]" : ""}${def.args ? ` ${def.args}` : ""}`;
  const parts = [usage, `Summary:\n${def.purpose}`];
  const options = flags.optionsHelp();
  if (options !== "") parts.push(`Options:\n${options}`);
  if (def.doc) parts.push(`Details:\n${def.doc.trim()}`);
  return `${parts.join("\n\n")}\n`;
}

export function runTool(def: ToolDef, session: HookSession, argv: readonly string[], io: ToolIO): ToolOutput {
  const flags = new FlagSet(def.name);
  let body: CommandBody;
  try {
    body = def.build(session, flags);
  } catch (error) {
    return { code: 1, stdout: "", stderr: `ERROR ${message(error)}\n` };
  }
  let positional: string[];
  try {
    positional = flags.parse(argv);
  } catch (error) {
    if (error instanceof HelpRequested) return { code: 0, stdout: help(def, flags), stderr: "" };
    return { code: 2, stdout: "", stderr: `ERROR ${message(error)}\n` };
  }
  try {
    body.init(positional, io);
  } catch (error) {
    return { code: 2, stdout: "", stderr: `ERROR ${message(error)}\n` };
  }
  const ctx: RunContext = { io, stdout: "", stderr: "" };
  try {
    body.run(ctx);
  } catch (error) {
    return { code: 1, stdout: ctx.stdout, stderr: `${ctx.stderr}ERROR ${message(error)}\n` };
  }
  return { code: 0, stdout: ctx.stdout, stderr: ctx.stderr };
}

/** cmd.Output: `--format` and `-o/--output`. */
export class Output {
  private readonly format: Ref<FormatName>;
  private readonly path: Ref<string>;

  constructor(flags: FlagSet, initial: FormatName, allowed: readonly FormatName[]) {
    const format: Ref<FormatName> = { value: initial };
    const sorted = [...allowed].sort();
    flags.custom(["format"], `Specify output format (${sorted.join("|")})`, {
      isBool: false,
      set: (text) => {
        if (!(allowed as readonly string[]).includes(text))
          throw new Error(`unknown format ${goQuote(text)}`);
        format.value = text as FormatName;
      },
      display: () => initial,
    });
    this.format = format;
    const path: Ref<string> = { value: "" };
    flags.custom(["o", "output"], "Specify an output file", {
      isBool: false,
      set: (text) => {
        path.value = text;
      },
      display: () => '""',
    });
    this.path = path;
  }

  get name(): FormatName {
    return this.format.value;
  }

  write(ctx: RunContext, value: GoValue): void {
    const text = formatValue(this.format.value, value);
    if (this.path.value !== "") ctx.io.writeFile(this.path.value, text);
    else ctx.stdout += text;
  }
}

/**
 * jujuc `relationIdValue`: `-r/--relation`, defaulting to the hook's relation; accepts `7` or
 * `anything:7` (the integer after the last colon; the prefix is ignored) and rejects ids that are
 * not in the unit's context with "relation not found".
 */
export function relationIdFlag(session: HookSession, flags: FlagSet, usage: string): Ref<number> {
  const hookRelation = session.hookRelationId();
  const ref: Ref<number> = { value: hookRelation ?? -1 };
  let shown = hookRelation !== undefined ? session.fakeId(session.relation(hookRelation)) : "";
  flags.custom(["r", "relation"], usage, {
    isBool: false,
    set: (text) => {
      const colon = text.lastIndexOf(":");
      const trimmed = colon >= 0 ? text.slice(colon + 1) : text;
      let id: number;
      try {
        id = goAtoi(trimmed);
      } catch {
        throw new Error("invalid relation id");
      }
      session.relation(id);
      ref.value = id;
      shown = text;
    },
    display: () => shown,
  });
  return ref;
}

/** Reads a `cmd.FileVar` (`-` = stdin) and turns Node errors into Go's `open <path>: …` text. */
export function readFileVar(io: ToolIO, path: string): string {
  if (path === "-") return io.readStdin();
  return readHookFile(io, path);
}

export function readHookFile(io: ToolIO, path: string): string {
  try {
    return io.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`open ${path}: no such file or directory`);
    if (code === "EACCES") throw new Error(`open ${path}: permission denied`);
    if (code === "EISDIR") throw new Error(`read ${path}: is a directory`);
    throw new Error(message(error));
  }
}
