/**
 * storage-list, storage-get, storage-add (J:…/jujuc/storage-*.go, storage-id.go).
 */
import type { StorageInstance } from "../model";
import { type CommandBody, checkEmpty, fail, Output, type ToolDef } from "./command";
import type { Ref } from "./flags";
import { goAtoi } from "./flags";
import { DEFAULT_FORMATTERS, goQuote, StringSlice, sortGoStrings } from "./go-value";
import { type HookSession, isValidStorage } from "./session";

/** The storage attachments of the unit (`StorageTags` / `Storage(tag)`). */
function attached(session: HookSession, id: string): StorageInstance | undefined {
  if (!session.unit().storage.includes(id)) return undefined;
  return session.model.storage[id];
}

function storageNotFound(session: HookSession, id: string): never {
  return fail(`storage attachment ${goQuote(id)} on unit ${goQuote(session.unitName)} not found`);
}

/** ZeroOrOneArgs. */
function zeroOrOne(args: readonly string[]): string {
  checkEmpty(args.slice(1));
  return args[0] ?? "";
}

const storageList: ToolDef = {
  name: "storage-list",
  args: "[<storage-name>]",
  purpose: "List storage attached to the unit.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    let name = "";
    return {
      init(args) {
        name = zeroOrOne(args);
      },
      run(ctx) {
        const ids = session
          .unit()
          .storage.filter((id) => name === "" || id.slice(0, id.lastIndexOf("/")) === name);
        out.write(ctx, new StringSlice(sortGoStrings(ids)));
      },
    };
  },
};

const storageGet: ToolDef = {
  name: "storage-get",
  args: "[<key>]",
  purpose: "Print information for the storage instance with the specified ID.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const hookStorage = session.hook.storageId;
    const id: Ref<string> = {
      value: hookStorage !== undefined && attached(session, hookStorage) ? hookStorage : "",
    };
    flags.custom(["s"], "specify a storage instance by id", {
      isBool: false,
      set: (text) => {
        if (!isValidStorage(text)) throw new Error(`invalid storage ID ${goQuote(text)}`);
        if (!attached(session, text)) storageNotFound(session, text);
        id.value = text;
      },
      display: () => id.value,
    });
    let key = "";
    return {
      init(args) {
        if (id.value === "") fail("no storage instance specified");
        key = zeroOrOne(args);
      },
      run(ctx) {
        const storage = attached(session, id.value) ?? storageNotFound(session, id.value);
        const values: Record<string, string> = { kind: storage.kind, location: storage.location };
        if (key === "") {
          out.write(ctx, values);
          return;
        }
        if (!Object.hasOwn(values, key)) fail(`invalid storage attribute ${goQuote(key)}`);
        out.write(ctx, values[key] as string);
      },
    };
  },
};

const storageAdd: ToolDef = {
  name: "storage-add",
  args: "<charm storage name>[=count] ...",
  purpose: "Add storage instances.",
  build(session): CommandBody {
    const requests: { name: string; count: number }[] = [];
    return {
      init(args) {
        if (args.length < 1) fail("storage add requires a storage directive");
        const seen = new Set<string>();
        for (const arg of args) {
          const eq = arg.indexOf("=");
          const name = eq < 0 ? arg : arg.slice(0, eq);
          if (seen.has(name)) fail(`storage ${goQuote(name)} specified more than once`);
          seen.add(name);
          if (eq < 0) {
            requests.push({ name, count: 1 });
            continue;
          }
          const directive = arg.slice(eq + 1);
          let count: number;
          try {
            count = goAtoi(directive);
          } catch {
            // Anything other than a bare count is a pool or size: not allowed for storage-add.
            return fail(`only count can be specified for ${goQuote(name)}`);
          }
          if (count <= 0)
            fail(`cannot parse count: count must be greater than zero, got ${goQuote(directive)}`);
          requests.push({ name, count });
        }
      },
      run() {
        session.storageAdds.push(...requests);
      },
    };
  },
};

export const STORAGE_TOOLS: readonly ToolDef[] = [storageList, storageGet, storageAdd];

/** storage-add is committed with the hook; the controller rejects names the charm does not declare. */
export function prepareStorageCommit(session: HookSession): Array<() => void> {
  if (session.storageAdds.length === 0) return [];
  const declared = session.app().charm.meta.storage;
  for (const request of session.storageAdds) {
    if (!Object.hasOwn(declared, request.name)) {
      fail(
        `adding storage ${request.name} to unit ${session.unitName}: charm storage ${goQuote(request.name)} not found`,
      );
    }
  }
  const requests = session.storageAdds.map((request) => ({ ...request }));
  return [
    () => {
      const unit = session.unit();
      unit.storageRequests = [...(unit.storageRequests ?? []), ...requests];
    },
  ];
}
