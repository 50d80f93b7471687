/**
 * config-get, is-leader, leader-get, leader-set (J:…/jujuc/config-get.go, is-leader.go,
 * leader-get.go, leader-set.go; runner/context/leader.go).
 */
import type { ConfigType } from "../model";
import { type CommandBody, checkEmpty, fail, Output, type ToolDef } from "./command";
import { DEFAULT_FORMATTERS, fromPlain, type GoValue, goQuote } from "./go-value";
import { parseKeyValues } from "./relation";
import type { HookSession } from "./session";

/** Config values with the JSON type of their option (int/float → number, boolean → bool). */
function typed(type: ConfigType | undefined, value: unknown): GoValue {
  if (value === null || value === undefined) return null;
  if (type === "int" && typeof value === "string" && /^-?\d+$/.test(value)) {
    // An int64 beyond 2^53, kept as its decimal text (convertConfigValue).
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : BigInt(value);
  }
  if ((type === "int" || type === "float") && typeof value === "string" && value.trim() !== "") {
    const number = Number(value);
    if (!Number.isNaN(number)) return number;
  }
  if (type === "boolean" && typeof value === "string") {
    if (value === "true") return true;
    if (value === "false") return false;
  }
  if (type === "string" || type === "secret") return typeof value === "string" ? value : String(value);
  return fromPlain(value);
}

const configGet: ToolDef = {
  name: "config-get",
  args: "[<key>]",
  purpose: "Print application configuration.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const all = flags.bool(["a", "all"], "print all keys");
    let key = "";
    return {
      init(args) {
        if (args.length === 0) return;
        key = args[0] as string;
        if (key !== "" && all.value) fail(`cannot use argument --all together with key ${goQuote(key)}`);
        checkEmpty(args.slice(1));
      },
      run(ctx) {
        const options = session.app().charm.config;
        if (key === "") {
          const settings: Record<string, GoValue> = {};
          for (const [name, value] of Object.entries(session.config)) {
            const converted = typed(options[name]?.type, value);
            if (converted === null && !all.value) continue;
            settings[name] = converted;
          }
          out.write(ctx, settings);
          return;
        }
        out.write(
          ctx,
          Object.hasOwn(session.config, key) ? typed(options[key]?.type, session.config[key]) : null,
        );
      },
    };
  },
};

const isLeader: ToolDef = {
  name: "is-leader",
  purpose: "Print application leadership status.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    return {
      init: checkEmpty,
      run(ctx) {
        out.write(ctx, session.isLeader());
      },
    };
  },
};

/** leadershipContext.LeaderSettings: read once, then served from the cache until a write. */
function leaderSettings(session: HookSession): Record<string, string> {
  if (!session.leaderSettingsCache) session.leaderSettingsCache = { ...session.app().leaderSettings.data };
  return { ...session.leaderSettingsCache };
}

const leaderGet: ToolDef = {
  name: "leader-get",
  args: "[<key>]",
  purpose: "print application leadership settings",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    let key = "";
    return {
      init(args) {
        if (args.length === 0) return;
        const wanted = args[0] as string;
        if (wanted === "-") key = "";
        else if (wanted.includes("=")) fail(`invalid key ${goQuote(wanted)}`);
        else key = wanted;
        checkEmpty(args.slice(1));
      },
      run(ctx) {
        const settings = leaderSettings(session);
        if (key === "") {
          out.write(ctx, settings);
          return;
        }
        out.write(ctx, Object.hasOwn(settings, key) ? (settings[key] as string) : null);
      },
    };
  },
};

const leaderSet: ToolDef = {
  name: "leader-set",
  args: "<key>=<value> [...]",
  purpose: "Write application leadership settings.",
  build(session): CommandBody {
    let settings = new Map<string, string>();
    return {
      init(args) {
        settings = parseKeyValues(args);
      },
      run() {
        // leader.go WriteLeaderSettings → "cannot write settings", annotated by the command.
        if (!session.isLeader())
          fail("cannot write leadership settings: cannot write settings: not the leader");
        session.leaderSettingsCache = undefined;
        const bag = session.app().leaderSettings;
        const next = { ...bag.data };
        for (const [key, value] of settings) {
          if (value === "") delete next[key];
          else next[key] = value;
        }
        const changed =
          Object.keys(next).length !== Object.keys(bag.data).length ||
          Object.entries(next).some(([key, value]) => bag.data[key] !== value);
        if (changed) {
          bag.data = next;
          bag.version += 1;
        }
      },
    };
  },
};

export const CONFIG_TOOLS: readonly ToolDef[] = [configGet, isLeader, leaderGet, leaderSet];
