/**
 * One hook (or action) execution as the unit agent's hook context sees it: the tools the hook runs
 * are answered here, exactly as Juju 3.6's jujuc server would answer them
 * (../../shared/reference/juju-contract.md §2–§4), and the buffered changes are applied to the model
 * only by {@link HookContext.commit}, which the agent calls when the hook exited 0.
 *
 * Immediate effects (status-set, application-version-set, juju-log, leader-set, action-set/fail/log,
 * secret-get's consumer tracking) are written to the model during `run`.
 */
import type { Model } from "./model";
import { runTool, type ToolOutput } from "./tools/command";
import { TOOL_NAMES, TOOLS } from "./tools/index";
import { preparePortsCommit } from "./tools/network";
import { prepareRelationCommit } from "./tools/relation";
import { prepareSecretsCommit } from "./tools/secret";
import {
  type HookDescriptor,
  HookSession,
  type RebootPriority,
  type ToolIO,
  type UnitView,
} from "./tools/session";
import { prepareStateCommit } from "./tools/state";
import { prepareStorageCommit } from "./tools/storage";

export type { HookDescriptor, RebootPriority, ToolIO, ToolOutput, UnitView };
export { TOOL_NAMES };

/** The hook's changes could not be committed; the hook counts as failed. */
export class CommitError extends Error {}

export interface HookContextOptions {
  /** JUJU_CONTEXT_ID; generated as "<unit>-<hook>-<random>" when omitted. */
  readonly contextId?: string;
  readonly now?: () => Date;
  /** juju-reboot support; without it juju-reboot fails with "not supported in this emulator". */
  readonly onReboot?: (priority: RebootPriority) => void;
}

function randomInt63(): string {
  const high = Math.floor(Math.random() * 0x7fffffff);
  const low = Math.floor(Math.random() * 0xffffffff);
  return (BigInt(high) * 0x100000000n + BigInt(low)).toString();
}

export class HookContext {
  readonly contextId: string;
  readonly unitName: string;
  private readonly session: HookSession;
  private state: "running" | "committed" | "discarded" = "running";

  constructor(
    model: Model,
    unit: string,
    hook: HookDescriptor,
    view: UnitView,
    options: HookContextOptions = {},
  ) {
    // runner/context contextfactory newId: "<unit>-<name>-<rand.Int63()>".
    this.contextId = options.contextId ?? `${unit}-${hook.name}-${randomInt63()}`;
    this.unitName = unit;
    this.session = new HookSession(model, unit, hook, view, {
      contextId: this.contextId,
      now: options.now ?? (() => new Date()),
      onReboot: options.onReboot,
    });
  }

  /** Runs one hook tool; user errors come back as exit code 1/2 with `ERROR …` on stderr. */
  run(tool: string, args: string[], io: ToolIO): ToolOutput {
    if (this.state !== "running") {
      return {
        code: 1,
        stdout: "",
        stderr: `ERROR bad request: hook context ${this.contextId} is not running\n`,
      };
    }
    const def = TOOLS.get(tool);
    if (!def)
      return { code: 1, stdout: "", stderr: `ERROR bad request: unknown command ${JSON.stringify(tool)}\n` };
    return runTool(def, this.session, args, io);
  }

  /**
   * Applies the buffered changes (relation-set, state-set/delete, open/close-port, storage-add,
   * secret-add/set/remove/grant/revoke) atomically: everything is validated first, then applied.
   * Throws CommitError when the controller would refuse the commit (nothing is applied then).
   */
  commit(): void {
    if (this.state !== "running") throw new Error(`hook context ${this.contextId} already ${this.state}`);
    this.state = "committed";
    let steps: Array<() => void>;
    try {
      steps = [
        ...prepareRelationCommit(this.session),
        ...prepareStateCommit(this.session),
        ...preparePortsCommit(this.session),
        ...prepareStorageCommit(this.session),
        ...prepareSecretsCommit(this.session),
      ];
    } catch (error) {
      throw new CommitError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    for (const step of steps) step();
  }

  /** Drops the buffered changes (the hook failed); later tool calls are refused. */
  discard(): void {
    if (this.state === "running") this.state = "discarded";
  }
}
