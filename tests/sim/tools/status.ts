/**
 * status-set, status-get, application-version-set (J:…/jujuc/status-set.go, status-get.go,
 * application-version-set.go). All writes are immediate API calls, never rolled back.
 */
import type { StatusRecord } from "../model";
import { type CommandBody, checkEmpty, fail, Output, type ToolDef } from "./command";
import { DEFAULT_FORMATTERS, fromPlain, type GoMap, type GoValue, goQuote } from "./go-value";
import type { HookSession } from "./session";

const VALID_STATUS = ["maintenance", "blocked", "waiting", "active"];

/** context.go ErrIsNotLeader. */
export const NOT_LEADER = "this unit is not the leader";

const statusSet: ToolDef = {
  name: "status-set",
  args: "<maintenance | blocked | waiting | active> [message]",
  purpose: "set status information",
  build(session, flags): CommandBody {
    const application = flags.bool(
      ["application"],
      "set this status for the application to which the unit belongs if the unit is the leader",
    );
    let status = "";
    let message = "";
    return {
      init(args) {
        if (args.length < 1) fail("invalid args, require <status> [message]");
        const wanted = args[0] as string;
        if (!VALID_STATUS.includes(wanted)) {
          fail(`invalid status ${goQuote(wanted)}, expected one of [${VALID_STATUS.join(" ")}]`);
        }
        status = wanted;
        if (args.length > 1) {
          message = args[1] as string;
          checkEmpty(args.slice(2));
        }
      },
      run() {
        const record: StatusRecord = { status, message, since: session.nowIso() };
        if (application.value) {
          if (!session.isLeader()) fail(NOT_LEADER);
          session.app().status = record;
          return;
        }
        const unit = session.unit();
        unit.workloadStatus = record;
        unit.statusSetByCharm = true;
      },
    };
  },
};

function details(record: StatusRecord, includeData: boolean): GoMap {
  const out: Record<string, GoValue> = { status: record.status };
  if (includeData) {
    out["status-data"] = fromPlain(record.data ?? {});
    out.message = record.message;
  }
  return out;
}

/** The application status as the API returns it; "unknown" until the leader sets one. */
function applicationStatus(session: HookSession): StatusRecord {
  return session.app().status ?? { status: "unknown", message: "", since: session.nowIso() };
}

const statusGet: ToolDef = {
  name: "status-get",
  args: "[--include-data] [--application]",
  purpose: "Print status information.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const includeData = flags.bool(["include-data"], "print all status data");
    const application = flags.bool(
      ["application"],
      "print status for all units of this application if this unit is the leader",
    );
    return {
      init: checkEmpty,
      run(ctx) {
        if (application.value) {
          if (!session.isLeader()) fail(`finding application status: ${NOT_LEADER}`);
          const appStatus = applicationStatus(session);
          if (!includeData.value && out.name === "smart") {
            out.write(ctx, appStatus.status);
            return;
          }
          const units: Record<string, GoValue> = {};
          for (const unit of Object.values(session.model.units)) {
            if (unit.app === session.appName)
              units[unit.name] = details(unit.workloadStatus, includeData.value);
          }
          out.write(ctx, { "application-status": { ...details(appStatus, includeData.value), units } });
          return;
        }
        // HookContext.UnitStatus caches the first read for the rest of the hook.
        if (!session.statusCache) session.statusCache = { ...session.unit().workloadStatus };
        const status = session.statusCache;
        if (!includeData.value && out.name === "smart") {
          out.write(ctx, status.status);
          return;
        }
        out.write(ctx, details(status, includeData.value));
      },
    };
  },
};

const applicationVersionSet: ToolDef = {
  name: "application-version-set",
  args: "<new-version>",
  purpose: "specify which version of the application is deployed",
  build(session): CommandBody {
    let version = "";
    return {
      init(args) {
        if (args.length < 1) fail("no version specified");
        version = args[0] as string;
        checkEmpty(args.slice(1));
      },
      run() {
        session.app().workloadVersion = version;
      },
    };
  },
};

export const STATUS_TOOLS: readonly ToolDef[] = [statusSet, statusGet, applicationVersionSet];
