/**
 * The dispatch glue: read the context once, build the model, run the charm, then report one status
 * and flush the log. An uncaught error exits non-zero, so Juju discards the hook's buffered changes
 * and retries it (juju-contract §4, §5.5).
 */
import { contextFromEnv, type JujuContext } from "./context";
import { NotLeaderError } from "./errors";
import { HookTools } from "./hook-tools";
import { BufferedJujuLog, createLogger, type Logger } from "./log";
import { Action, Model } from "./model";
import { JUJU_SETS_STATUS, type Status, StatusCollector, StatusMemory } from "./status";
import { spawnToolRunner, type ToolRunner } from "./tool-runner";

export interface Hook {
  readonly context: JujuContext;
  readonly model: Model;
  readonly tools: HookTools;
  readonly log: Logger;
  /** Set for actions only. */
  readonly action: Action | undefined;
  /** Propose a unit status; the highest-priority proposal is set when the hook ends. */
  report(status: Status): void;
  /** Propose the application status (applied only on the leader). */
  reportApp(status: Status): void;
  /**
   * Sets the unit's status at once, for a long step the operator should see while it runs (an
   * upgrade); the status the hook ends with still replaces it.
   */
  announce(status: Status): void;
}

export type CharmHandler = (hook: Hook) => void | Promise<void>;

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly runner?: ToolRunner;
}

/** Runs `handler` for the event in `env`; resolves to the process exit code. */
export async function runHook(handler: CharmHandler, options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const sink = new BufferedJujuLog();
  const log = createLogger(sink, env.JUJU_DEBUG ? "trace" : "debug");
  let tools: HookTools | undefined;
  let memory: StatusMemory | undefined;
  const unitStatus = new StatusCollector();
  try {
    const context = contextFromEnv(env);
    memory = new StatusMemory(context.charmDir);
    tools = new HookTools(options.runner ?? spawnToolRunner({ env }));
    const model = new Model(context, tools);
    const appStatus = new StatusCollector();
    const action = context.action ? new Action(context.action.name, context.action.id, tools) : undefined;
    await handler({
      context,
      model,
      tools,
      log,
      action,
      report: (status) => unitStatus.add(status),
      reportApp: (status) => appStatus.add(status),
      announce: (status) => {
        tools?.statusSet(status.name, status.message);
        memory?.remember(status);
      },
    });
    for (const issue of model.databagIssues) {
      log.warn({ source: issue.source, key: issue.key }, `ignored malformed relation data: ${issue.problem}`);
    }
    const unit = unitStatus.chosen;
    if (unit && (JUJU_SETS_STATUS.has(context.kind) || !memory.same(unit))) {
      tools.statusSet(unit.name, unit.message);
      memory.remember(unit);
    }
    const app = appStatus.chosen;
    if (app && model.isLeader && (context.kind === "leader-elected" || !memory.same(app, true))) {
      try {
        tools.statusSet(app.name, app.message, true);
        memory.remember(app, true);
      } catch (error) {
        if (!(error instanceof NotLeaderError)) throw error;
        log.info("leadership moved to another unit during this hook; the new leader reports the application");
      }
    }
    sink.flush(tools);
    return 0;
  } catch (error) {
    log.error(
      { err: error instanceof Error ? { name: error.name, message: error.message } : String(error) },
      "hook failed",
    );
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // Reporting runs also after an error: what the hook found before it failed is the unit's status
    // (status-set takes effect at once; Juju shows the failed hook beside it and retries it).
    const found = unitStatus.chosen;
    try {
      if (tools && found) tools.statusSet(found.name, found.message);
    } catch {
      // Without it the unit still shows the failed hook.
    }
    // Juju shows a failed hook in the unit's status: the next hook sets the charm's again.
    memory?.forget();
    try {
      if (tools) sink.flush(tools);
    } catch {
      // The log could not reach Juju; stderr above still reaches the unit log.
    }
    return 1;
  }
}
