/**
 * state-get, state-set, state-delete (J:…/jujuc/state-*.go; context.go GetCharmState et al.).
 * Reads and writes go through a per-hook cache; the whole cache replaces the unit's state at
 * commit when it was changed (charmStateCacheDirty).
 */
import { type CommandBody, checkEmpty, fail, Output, readFileVar, type ToolDef } from "./command";
import { DEFAULT_FORMATTERS, goQuote } from "./go-value";
import { parseKeyValues } from "./relation";
import type { HookSession } from "./session";
import { parseStringMap } from "./yaml-input";

/** core/quota limits (MaxCharmStateKeySize, MaxCharmStateValueSize) and max-charm-state-size. */
export const MAX_STATE_KEY_BYTES = 256;
export const MAX_STATE_VALUE_BYTES = 64 * 1024;
export const MAX_STATE_TOTAL_BYTES = 2 * 1024 * 1024;

const stateGet: ToolDef = {
  name: "state-get",
  args: "[<key>]",
  purpose: "print server-side-state value",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const strict = flags.bool(["strict"], "Return an error if the requested key does not exist");
    let key = "";
    return {
      init(args) {
        if (args.length === 0) return;
        key = args[0] as string;
        if (key === "-") key = "";
        checkEmpty(args.slice(1));
      },
      run(ctx) {
        const state = session.state();
        if (key === "") {
          // GetCharmState returns a nil map when the state is empty.
          out.write(ctx, Object.keys(state).length === 0 ? null : { ...state });
          return;
        }
        if (!Object.hasOwn(state, key)) {
          if (strict.value) fail(`${goQuote(key)} not found`);
          out.write(ctx, "");
          return;
        }
        out.write(ctx, state[key] as string);
      },
    };
  },
};

function setValue(session: HookSession, key: string, value: string): void {
  const state = session.state();
  if (Buffer.byteLength(key, "utf8") > MAX_STATE_KEY_BYTES) {
    fail(`max allowed key length (${MAX_STATE_KEY_BYTES}) exceeded`);
  }
  if (Buffer.byteLength(value, "utf8") > MAX_STATE_VALUE_BYTES) {
    fail(`max allowed value length (${MAX_STATE_VALUE_BYTES}) exceeded`);
  }
  if (state[key] === value) return;
  state[key] = value;
  session.charmStateDirty = true;
}

const stateSet: ToolDef = {
  name: "state-set",
  args: "key=value [key=value ...]",
  purpose: "set server-side-state values",
  build(session, flags): CommandBody {
    const file = flags.string(["file"], "file containing key-value pairs");
    let overrides = new Map<string, string>();
    return {
      init(args) {
        overrides = parseKeyValues(args);
      },
      run(ctx) {
        const values = new Map<string, string>();
        if (file.value !== "") {
          for (const [key, value] of Object.entries(parseStringMap(readFileVar(ctx.io, file.value)))) {
            values.set(key, value);
          }
        }
        for (const [key, value] of overrides) values.set(key, value);
        for (const [key, value] of values) setValue(session, key, value);
      },
    };
  },
};

const stateDelete: ToolDef = {
  name: "state-delete",
  args: "<key>",
  purpose: "delete server-side-state key value pair",
  build(session): CommandBody {
    let key = "";
    return {
      init(args) {
        if (args.length === 0) return;
        key = args[0] as string;
        checkEmpty(args.slice(1));
      },
      run() {
        if (key === "") return;
        const state = session.state();
        if (!Object.hasOwn(state, key)) return;
        delete state[key];
        session.charmStateDirty = true;
      },
    };
  },
};

export const STATE_TOOLS: readonly ToolDef[] = [stateGet, stateSet, stateDelete];

export function prepareStateCommit(session: HookSession): Array<() => void> {
  if (!session.charmStateDirty || !session.charmState) return [];
  const next = { ...session.charmState };
  let total = 0;
  for (const [key, value] of Object.entries(next)) {
    total += Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
  }
  if (total > MAX_STATE_TOTAL_BYTES) {
    fail(`persisting charm state: max allowed charm state size (${MAX_STATE_TOTAL_BYTES}) exceeded`);
  }
  return [
    () => {
      session.unit().state = next;
    },
  ];
}
