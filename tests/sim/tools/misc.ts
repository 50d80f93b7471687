/**
 * juju-log, goal-state, credential-get, resource-get, juju-reboot
 * (J:…/jujuc/juju-log.go, goal-state.go, credential-get.go, resource-get.go, reboot.go).
 */
import type { Relation, StatusRecord } from "../model";
import { type CommandBody, checkEmpty, fail, Output, type ToolDef } from "./command";
import { DEFAULT_FORMATTERS, GoStruct, type GoValue, goQuote, SERIALISABLE_FORMATTERS } from "./go-value";

/** loggo.ParseLevel (case-insensitive; WARN is WARNING). */
function parseLevel(text: string): string | undefined {
  const upper = text.toUpperCase();
  if (upper === "WARN") return "WARNING";
  return ["UNSPECIFIED", "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].includes(upper)
    ? upper
    : undefined;
}

const jujuLog: ToolDef = {
  name: "juju-log",
  args: "<message>",
  purpose: "write a message to the juju log",
  build(session, flags): CommandBody {
    const debug = flags.bool(["debug"], "log at debug level");
    const level = flags.string(["l", "log-level"], "Send log message at the given level", "INFO");
    const format = flags.string(["format"], "deprecated format flag");
    let message = "";
    return {
      init(args) {
        if (args.length === 0) fail("no message specified");
        message = args.join(" ");
      },
      run(ctx) {
        if (format.value !== "") ctx.stderr += `--format flag deprecated for command "juju-log"`;
        const logger = `unit.${session.unitName}.juju-log`;
        const log = (logLevel: string, text: string): void => {
          session.model.logs.push({
            time: session.nowIso(),
            unit: session.unitName,
            level: logLevel,
            logger,
            message: text,
          });
        };
        let logLevel = "INFO";
        if (debug.value) {
          logLevel = "DEBUG";
        } else if (level.value !== "") {
          const parsed = parseLevel(level.value);
          if (parsed === undefined) {
            log("WARNING", `Specified log level of ${goQuote(level.value)} is not valid`);
          } else {
            logLevel = parsed;
          }
        }
        // UNSPECIFIED is below every logger's threshold: loggo drops the message.
        if (logLevel === "UNSPECIFIED") return;
        const relationId = session.hookRelationId();
        const prefix = relationId !== undefined ? `${session.fakeId(session.relation(relationId))}: ` : "";
        log(logLevel, `${prefix}${message}`);
      },
    };
  },
};

/** cmd/juju/common FormatTime(t, formatISO=true). */
function isoTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

function goalStatus(status: string, since: string | undefined): GoStruct {
  const fields: [string, GoValue][] = [["status", status]];
  const formatted = since !== undefined ? isoTime(since) : "";
  if (formatted !== "") fields.push(["since", formatted]);
  return new GoStruct(fields);
}

const goalState: ToolDef = {
  name: "goal-state",
  purpose: "print the status of the charm's peers and related units",
  build(session, flags): CommandBody {
    const out = new Output(flags, "yaml", SERIALISABLE_FORMATTERS);
    return {
      init: checkEmpty,
      run(ctx) {
        const unitGoal = (app: string): Record<string, GoValue> => {
          const units: Record<string, GoValue> = {};
          for (const unit of Object.values(session.model.units)) {
            if (unit.app !== app || unit.life === "dead") continue;
            const status: StatusRecord = unit.workloadStatus;
            units[unit.name] = goalStatus(unit.life === "dying" ? "dying" : status.status, status.since);
          }
          return units;
        };
        const relations: Record<string, Record<string, GoValue>> = {};
        const all: Relation[] = Object.values(session.model.relations);
        for (const relation of all) {
          if (relation.life === "dead") continue;
          // uniter goalStateRelations ignores peer relations.
          if (relation.endpoints.length === 1) continue;
          const local = relation.endpoints.find((endpoint) => endpoint.app === session.appName);
          if (!local) continue;
          const entries = relations[local.endpoint] ?? {};
          for (const endpoint of relation.endpoints) {
            if (endpoint.app === session.appName) continue;
            entries[endpoint.app] = goalStatus(relation.life === "alive" ? "joined" : "broken", undefined);
            Object.assign(entries, unitGoal(endpoint.app));
          }
          relations[local.endpoint] = entries;
        }
        out.write(
          ctx,
          new GoStruct([
            ["units", unitGoal(session.appName)],
            ["relations", relations],
          ]),
        );
      },
    };
  },
};

const credentialGet: ToolDef = {
  name: "credential-get",
  purpose: "access cloud credentials",
  build(_session, flags): CommandBody {
    new Output(flags, "smart", DEFAULT_FORMATTERS);
    return {
      init: checkEmpty,
      run() {
        // The emulator has no cloud; Juju answers an untrusted application the same way.
        fail("cannot access cloud credentials: permission denied");
      },
    };
  },
};

const resourceGet: ToolDef = {
  name: "resource-get",
  args: "<resource name>",
  purpose: "Get the path to the locally cached resource file.",
  build(): CommandBody {
    let name = "";
    return {
      init(args) {
        if (args.length < 1) fail("missing required resource name");
        checkEmpty(args.slice(1));
        name = args[0] as string;
      },
      run() {
        fail(`could not download resource: resource ${goQuote(name)} not found`);
      },
    };
  },
};

const jujuReboot: ToolDef = {
  name: "juju-reboot",
  purpose: "Reboot the host machine.",
  build(session, flags): CommandBody {
    const now = flags.bool(["now"], "reboot immediately, killing the invoking process");
    return {
      init: checkEmpty,
      run() {
        if (session.action()) fail("juju-reboot is not supported when running an action.");
        if (!session.onReboot) fail("juju-reboot is not supported in this emulator");
        session.onReboot(now.value ? "now" : "after-hook");
      },
    };
  },
};

export const MISC_TOOLS: readonly ToolDef[] = [jujuLog, goalState, credentialGet, resourceGet, jujuReboot];
