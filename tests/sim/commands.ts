/**
 * The `juju`-shaped verbs of the emulator CLI, executed against a Controller. Output and exit codes
 * follow juju's where the emulator covers the same ground.
 */
import { spawn } from "node:child_process";
import { isAbsolute, join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import type { Controller } from "./controller";
import { formattedStatus, tabularStatus, yamlStatus } from "./status";
import { parseGoDuration } from "./tools/go-value";

export interface CommandIO {
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  /** Resolves when the client goes away (for following commands such as debug-log). */
  readonly closed: Promise<void>;
}

export const USAGE = `Usage: npm run --silent sim -- <verb> [arguments]   (model dir: --model-dir DIR, JUJU_SIM_MODEL_DIR, default .sim)

  deploy <charm file|dir> [app] [-n N] [--config key=value …]
  refresh <app> --path <charm file|dir>   a new revision: upgrade-charm, then config-changed, on every unit
  add-unit <app> [-n N]            remove-unit <unit> …         scale-application <app> <N>
  integrate|relate <a[:ep]> <b[:ep]>                           remove-relation <a> <b>
  config <app> [key | key=value … | --reset key]               model-config [key[=value] …]
  run <unit|app/leader> <action> [key=value …] [--format=json]
  exec --unit <unit> [--timeout 5m] -- <command …>
  status [--format=tabular|yaml|json]   wait-for [--timeout SECONDS]   resolved <unit>
  debug-log [--include <unit>] [--replay] [--no-tail] [--lines N]
  reboot <unit> …                  reboots the units' machines at once
  destroy-model

  With machines on networks of their own (deploy with --network-per-machine):
  cut <unit> | heal <unit>         takes the unit's link down / up (its agent is lost meanwhile)
  partition <unit,unit…> <unit,…> …  sides that cannot reach each other; partition --heal ends it
  on-network -- <command …>        runs a command where every unit is reachable (e.g. zkCli.sh)
`;

class UsageError extends Error {}

/**
 * Runs a shell command in the controller's own process context — its network namespace, where the
 * model's bridge is — streaming its output; with networks per machine the units are reachable
 * only from there.
 */
function onModelNetwork(command: string, io: CommandIO): Promise<number> {
  return new Promise((resolveRun) => {
    const child = spawn("sh", ["-c", command], { cwd: io.cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => io.out(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => io.err(chunk.toString()));
    void io.closed.then(() => child.kill("SIGTERM"));
    child.on("error", (error) => {
      io.err(`ERROR ${error.message}\n`);
      resolveRun(1);
    });
    child.on("close", (code) => resolveRun(code ?? 1));
  });
}

/** JSON.stringify, with bigint values (int64 config) written as the integers they are. */
function jsonWithInt64(value: unknown): string {
  return JSON.stringify(value, (_key, item) =>
    typeof item === "bigint" ? `\u0000int64:${item}` : item,
  ).replace(/"\\u0000int64:(-?\d+)"/g, "$1");
}

interface Parsed {
  positional: string[];
  options: Map<string, string[]>;
  rest: string[];
}

/** Splits flags (`--x v`, `--x=v`, `-n 3`) from positional args; everything after `--` is `rest`. */
function parseArgs(
  args: readonly string[],
  valued: readonly string[],
  booleans: readonly string[] = [],
): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  const add = (key: string, value: string) => options.set(key, [...(options.get(key) ?? []), value]);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === "--") return { positional, options, rest: args.slice(i + 1) };
    const eq = arg.indexOf("=");
    if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) {
      const key = eq > 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
      if (booleans.includes(key)) add(key, "true");
      else if (valued.includes(key)) {
        const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : args[++i];
        if (value === undefined) throw new UsageError(`option needs a value: ${key}`);
        add(key, value);
      } else throw new UsageError(`option provided but not defined: ${key}`);
    } else positional.push(arg);
  }
  return { positional, options, rest: [] };
}

function keyValues(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`expected key=value, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function count(parsed: Parsed, fallback = 1): number {
  const raw = parsed.options.get("-n")?.at(-1) ?? parsed.options.get("--num-units")?.at(-1);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`invalid number of units "${raw}"`);
  return Number(raw);
}

function format(parsed: Parsed, fallback: string): string {
  return parsed.options.get("--format")?.at(-1) ?? parsed.options.get("-o")?.at(-1) ?? fallback;
}

/** Runs one verb; returns the exit code. */
export async function executeCommand(
  controller: Controller,
  argv: readonly string[],
  io: CommandIO,
): Promise<number> {
  const [verb, ...args] = argv;
  try {
    switch (verb) {
      case "deploy": {
        const parsed = parseArgs(args, ["-n", "--num-units", "--config"]);
        const [charm, appName] = parsed.positional;
        if (!charm) throw new UsageError("deploy needs a charm (a .charm file or a charm directory)");
        const path = isAbsolute(charm) ? charm : join(io.cwd, charm);
        const config = keyValues(parsed.options.get("--config") ?? []);
        const app = await controller.deploy(path, appName, { numUnits: count(parsed), config });
        io.err(
          `Deployed "${app.name}" from local charm "${app.charm.meta.name}", revision ${app.charm.revision}\n`,
        );
        return 0;
      }
      case "refresh": {
        const parsed = parseArgs(args, ["--path"]);
        const [app] = parsed.positional;
        const charm = parsed.options.get("--path")?.at(-1);
        if (!app) throw new UsageError("refresh needs an application");
        if (!charm) throw new UsageError("refreshing a local charm requires either --path or --switch");
        const refreshed = controller.refresh(app, isAbsolute(charm) ? charm : join(io.cwd, charm));
        io.err(`Added local charm "${refreshed.meta.name}", revision ${refreshed.revision}, to the model\n`);
        return 0;
      }
      case "add-unit": {
        const parsed = parseArgs(args, ["-n", "--num-units"]);
        const [app] = parsed.positional;
        if (!app) throw new UsageError("add-unit needs an application");
        const units = await controller.addUnit(app, count(parsed));
        io.err(`${units.map((unit) => `Added unit ${unit}`).join("\n")}\n`);
        return 0;
      }
      case "remove-unit": {
        const parsed = parseArgs(args, [], ["--no-prompt", "--force", "--no-wait"]);
        if (parsed.positional.length === 0) throw new UsageError("remove-unit needs at least one unit");
        controller.removeUnit(...parsed.positional);
        io.err(parsed.positional.map((unit) => `will remove ${unit}\n`).join(""));
        return 0;
      }
      case "scale-application": {
        const [app, target] = parseArgs(args, []).positional;
        if (!app || target === undefined || !/^\d+$/.test(target))
          throw new UsageError("scale-application <app> <N>");
        await controller.scaleApplication(app, Number(target));
        io.err(`${app} scale changed to ${target}\n`);
        return 0;
      }
      case "integrate":
      case "relate": {
        const [a, b] = parseArgs(args, []).positional;
        if (!a || !b) throw new UsageError(`${verb} needs two applications`);
        controller.integrate(a, b);
        return 0;
      }
      case "remove-relation": {
        const [a, b] = parseArgs(args, []).positional;
        if (!a || !b) throw new UsageError("remove-relation needs two applications");
        controller.removeRelation(a, b);
        return 0;
      }
      case "config": {
        const parsed = parseArgs(args, ["--reset", "--format"]);
        const [app, ...items] = parsed.positional;
        if (!app) throw new UsageError("config needs an application");
        const reset = (parsed.options.get("--reset") ?? []).flatMap((item) => item.split(","));
        if (items.length === 0 && reset.length === 0) {
          const config = controller.getConfig(app);
          const options = controller.application(app).charm.config;
          const settings = Object.fromEntries(
            Object.entries(options).map(([key, option]) => [
              key,
              {
                default: option.default,
                description: option.description,
                source: key in controller.application(app).config ? "user" : "default",
                type: option.type,
                // An int64 beyond 2^53 is held as its decimal text; Juju prints the integer.
                value:
                  option.type === "int" && typeof config[key] === "string"
                    ? BigInt(config[key] as string)
                    : config[key],
              },
            ]),
          );
          const shown = { application: app, charm: controller.application(app).charm.meta.name, settings };
          io.out(format(parsed, "yaml") === "json" ? `${jsonWithInt64(shown)}\n` : stringify(shown));
          return 0;
        }
        if (items.length === 1 && !items[0]!.includes("=")) {
          const value = controller.getConfig(app)[items[0]!];
          if (!(items[0]! in controller.application(app).charm.config))
            throw new Error(`key "${items[0]}" not found in "${app}" application config or charm settings.`);
          io.out(`${value === undefined ? "" : String(value)}\n`);
          return 0;
        }
        controller.setConfig(app, keyValues(items), reset);
        return 0;
      }
      case "model-config": {
        const positional = parseArgs(args, []).positional;
        if (positional.length === 0) {
          io.out(stringify(controller.model.config));
          return 0;
        }
        if (positional.length === 1 && !positional[0]!.includes("=")) {
          const value = (controller.model.config as unknown as Record<string, unknown>)[positional[0]!];
          if (value === undefined)
            throw new Error(`key "${positional[0]}" not found in "${controller.model.name}" model.`);
          io.out(`${String(value)}\n`);
          return 0;
        }
        controller.setModelConfig(keyValues(positional));
        return 0;
      }
      case "run": {
        const parsed = parseArgs(args, ["--format", "-o", "--wait"], ["--background"]);
        const [target, action, ...params] = parsed.positional;
        if (!target || !action) throw new UsageError("run <unit> <action> [key=value …]");
        const values: Record<string, unknown> = {};
        for (const [key, raw] of Object.entries(keyValues(params))) {
          // juju run parses CLI values as YAML unless --string-args.
          values[key] = parseYaml(raw) ?? raw;
        }
        const record = controller.enqueueAction(target, action, values);
        const json = format(parsed, "yaml") === "json";
        if (!json)
          io.err(
            `Running operation ${record.id} with 1 task\n  - task ${record.id} on unit-${record.unit.replace("/", "-")}\n\nWaiting for task ${record.id}...\n`,
          );
        while (record.status === "pending" || record.status === "running")
          await new Promise((r) => setTimeout(r, 50));
        if (json) {
          const entry: Record<string, unknown> = {
            id: record.id,
            results: record.results,
            status: record.status,
            timing: { completed: record.completed, enqueued: record.enqueued, started: record.started },
            unit: record.unit,
          };
          if (record.message) entry.message = record.message;
          io.out(`${JSON.stringify({ [record.unit]: entry })}\n`);
        } else {
          const { "return-code": _code, stdout, stderr, ...results } = record.results;
          if (Object.keys(results).length > 0) io.out(stringify(results));
          if (typeof stdout === "string") io.out(stdout);
          if (typeof stderr === "string") io.err(stderr);
        }
        if (record.status !== "completed") {
          io.err(
            `ERROR the following task failed:\n id "${record.id}" with return code ${String(record.results["return-code"] ?? 0)}${record.message ? `: ${record.message}` : ""}\n`,
          );
          return 1;
        }
        return 0;
      }
      case "exec": {
        const parsed = parseArgs(args, ["--unit", "-u", "--timeout"]);
        const unit = parsed.options.get("--unit")?.at(-1) ?? parsed.options.get("-u")?.at(-1);
        const command = [...parsed.positional, ...parsed.rest];
        if (!unit || command.length === 0)
          throw new UsageError("exec --unit <unit> [--timeout <duration>] -- <command>");
        const timeout = parsed.options.get("--timeout")?.at(-1) ?? "5m";
        const timeoutMs = parseGoDuration(timeout);
        if (timeoutMs === undefined || timeoutMs < 0)
          throw new UsageError(`invalid value "${timeout}" for option --timeout`);
        const result = await controller.exec(unit, command.join(" "), timeoutMs);
        io.out(result.stdout);
        io.err(result.stderr);
        return result.code;
      }
      case "status": {
        const parsed = parseArgs(args, ["--format", "-o"], ["--relations"]);
        const chosen = format(parsed, "tabular");
        if (chosen === "json") io.out(`${JSON.stringify(formattedStatus(controller.model))}\n`);
        else if (chosen === "yaml") io.out(yamlStatus(controller.model));
        else if (chosen === "tabular") io.out(tabularStatus(controller.model));
        else throw new UsageError(`unknown format "${chosen}"`);
        return 0;
      }
      case "wait-for": {
        const parsed = parseArgs(args, ["--timeout"]);
        const timeout = Number(parsed.options.get("--timeout")?.at(-1)?.replace(/s$/, "") ?? 600);
        await controller.waitFor({ timeoutMs: timeout * 1000 });
        return 0;
      }
      case "resolved": {
        const [unit] = parseArgs(args, [], ["--no-retry"]).positional;
        if (!unit) throw new UsageError("resolved <unit>");
        controller.resolved(unit);
        return 0;
      }
      case "debug-log": {
        const parsed = parseArgs(
          args,
          ["--include", "-i", "--lines", "-n"],
          ["--replay", "--no-tail", "--tail"],
        );
        const include = [...(parsed.options.get("--include") ?? []), ...(parsed.options.get("-i") ?? [])];
        const lines = Number(parsed.options.get("--lines")?.at(-1) ?? parsed.options.get("-n")?.at(-1) ?? 10);
        const wanted = (unit: string) =>
          include.length === 0 ||
          include.some(
            (item) =>
              item === unit || item === `unit-${unit.replace("/", "-")}` || item === unit.split("/")[0],
          );
        const render = (record: {
          time: string;
          unit: string;
          level: string;
          logger: string;
          message: string;
        }) =>
          `unit-${record.unit.replace("/", "-")}: ${record.time.slice(11, 19)} ${record.level} ${record.logger} ${record.message}\n`;
        const past = controller.model.logs.filter((record) => wanted(record.unit));
        for (const record of parsed.options.has("--replay") ? past : past.slice(-lines))
          io.out(render(record));
        if (parsed.options.has("--no-tail")) return 0;
        const stop = controller.followLogs((record) => {
          if (wanted(record.unit)) io.out(render(record));
        });
        await io.closed;
        stop();
        return 0;
      }
      case "reboot": {
        const units = parseArgs(args, []).positional;
        if (units.length === 0) throw new UsageError("reboot <unit> …");
        await controller.reboot(units);
        io.err(units.map((unit) => `${unit}: machine ${controller.unit(unit).machine} rebooted\n`).join(""));
        return 0;
      }
      case "cut":
      case "heal": {
        const [unit] = parseArgs(args, []).positional;
        if (!unit) throw new UsageError(`${verb} <unit>`);
        if (verb === "cut") controller.cutNetwork(unit);
        else controller.healNetwork(unit);
        io.err(`${unit}: link ${verb === "cut" ? "down" : "up"}\n`);
        return 0;
      }
      case "partition": {
        const parsed = parseArgs(args, [], ["--heal"]);
        if (parsed.options.has("--heal")) controller.partition([]);
        else if (parsed.positional.length < 2)
          throw new UsageError("partition <unit,unit…> <unit,…> … | --heal");
        else controller.partition(parsed.positional.map((side) => side.split(",").filter(Boolean)));
        return 0;
      }
      case "on-network": {
        const command = args[0] === "--" ? args.slice(1) : args;
        if (command.length === 0) throw new UsageError("on-network -- <command …>");
        return await onModelNetwork(command.join(" "), io);
      }
      case undefined:
      case "help":
      case "--help":
        io.out(USAGE);
        return 0;
      default:
        throw new UsageError(`unrecognized command: ${verb}`);
    }
  } catch (error) {
    io.err(`ERROR ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
