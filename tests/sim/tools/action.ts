/**
 * action-get, action-set, action-fail, action-log (J:…/jujuc/action-*.go). Outside an action the
 * context has no action data and every Run fails with "not running an action".
 */
import { type CommandBody, checkEmpty, fail, Output, type ToolDef } from "./command";
import { DEFAULT_FORMATTERS, fromPlain, type GoValue, goQuote } from "./go-value";

/** charm.GetActionNameRule(), applied to each dotted segment of an action-set key. */
const KEY_RULE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_KEYS = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/** recurseMapOnKeys. */
function lookup(keys: readonly string[], params: unknown): GoValue {
  let current: unknown = params;
  for (const key of keys) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return null;
    if (!Object.hasOwn(current, key)) return null;
    current = (current as Record<string, unknown>)[key];
  }
  return fromPlain(current);
}

/** context addValueToMap: intermediate non-maps are replaced by maps. */
function addValueToMap(keys: readonly string[], value: string, target: Record<string, unknown>): void {
  let next = target;
  keys.forEach((key, index) => {
    if (index === keys.length - 1) {
      next[key] = value;
      return;
    }
    const existing = next[key];
    if (existing !== null && typeof existing === "object" && !Array.isArray(existing)) {
      next = existing as Record<string, unknown>;
      return;
    }
    const created: Record<string, unknown> = {};
    next[key] = created;
    next = created;
  });
}

const actionGet: ToolDef = {
  name: "action-get",
  args: "[<key>[.<key>.<key>...]]",
  purpose: "Get action parameters.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    let keys: string[] = [];
    return {
      init(args) {
        if (args.length > 0) {
          checkEmpty(args.slice(1));
          keys = (args[0] as string).split(".");
        }
      },
      run(ctx) {
        const params = session.requireAction().params;
        out.write(ctx, keys.length === 0 ? fromPlain(params ?? {}) : lookup(keys, params));
      },
    };
  },
};

const actionSet: ToolDef = {
  name: "action-set",
  args: "<key>=<value> [<key>=<value> ...]",
  purpose: "Set action results.",
  build(session): CommandBody {
    const pairs: { keys: string[]; value: string }[] = [];
    return {
      init(args) {
        for (const arg of args) {
          const eq = arg.indexOf("=");
          if (eq < 0) fail(`argument ${goQuote(arg)} must be of the form key...=value`);
          const keys = arg.slice(0, eq).split(".");
          for (const key of keys) {
            if (!KEY_RULE.test(key)) {
              fail(
                `key ${goQuote(key)} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`,
              );
            }
            if (RESERVED_KEYS.includes(key)) fail(`cannot set reserved action key ${goQuote(key)}`);
          }
          pairs.push({ keys, value: arg.slice(eq + 1) });
        }
      },
      run() {
        const action = session.requireAction();
        for (const { keys, value } of pairs) addValueToMap(keys, value, action.results);
      },
    };
  },
};

const actionFail: ToolDef = {
  name: "action-fail",
  args: '["<failure message>"]',
  purpose: "Set action fail status with message.",
  build(session): CommandBody {
    let message = "";
    return {
      init(args) {
        if (args.length === 0) {
          message = "action failed without reason given, check action for errors";
          return;
        }
        message = args[0] as string;
        checkEmpty(args.slice(1));
      },
      run() {
        const action = session.requireAction();
        action.message = message;
        action.failed = true;
      },
    };
  },
};

const actionLog: ToolDef = {
  name: "action-log",
  args: "<message>",
  purpose: "record a progress message for the current action",
  build(session): CommandBody {
    let message = "";
    return {
      init(args) {
        if (args.length === 0) fail("no message specified");
        message = args.join(" ");
      },
      run() {
        session.requireAction().logs.push({ message, timestamp: session.nowIso() });
      },
    };
  },
};

export const ACTION_TOOLS: readonly ToolDef[] = [actionGet, actionSet, actionFail, actionLog];
