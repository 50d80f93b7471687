/**
 * Typed hook-tool failures. One place turns a tool's exit code and stderr into an error class
 * (as ops' `_wrap_hookcmd` does), so charm code can tell "relation gone" from "not leader".
 */

export interface ToolFailure {
  /** The tool and its arguments, with secret values already redacted. */
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
}

export class HookToolError extends Error implements ToolFailure {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;

  constructor(failure: ToolFailure, options?: { cause?: unknown }) {
    const detail = failure.stderr.trim() || `exit status ${failure.exitCode}`;
    super(`hook tool ${failure.argv.join(" ")}: ${detail}`, options);
    this.name = new.target.name;
    this.argv = failure.argv;
    this.exitCode = failure.exitCode;
    this.stderr = failure.stderr;
  }
}

/** The relation id is unknown to this unit, or the relation is gone. */
export class RelationNotFoundError extends HookToolError {}
/** The secret does not exist or this unit may not see it. */
export class SecretNotFoundError extends HookToolError {}
/** The call needs leadership this unit does not hold. */
export class NotLeaderError extends HookToolError {}
/** Juju refused access (e.g. a non-leader reading its own app databag on a non-peer relation). */
export class PermissionDeniedError extends HookToolError {}
/** The tool rejected its arguments (exit code 2). */
export class ToolUsageError extends HookToolError {}

/** Maps a failed tool call to the most specific error class, by the substrings Juju prints. */
export function toolError(failure: ToolFailure): HookToolError {
  const tool = failure.argv[0] ?? "";
  const text = failure.stderr.toLowerCase();
  if ((tool.startsWith("relation-") || tool === "network-get") && text.includes("relation not found")) {
    return new RelationNotFoundError(failure);
  }
  if (tool.startsWith("secret-") && text.includes("not found")) return new SecretNotFoundError(failure);
  if (
    text.includes("not the leader") ||
    text.includes("cannot write relation settings") ||
    text.includes("not leader")
  ) {
    return new NotLeaderError(failure);
  }
  if (text.includes("permission denied") || text.includes("access denied")) {
    return new PermissionDeniedError(failure);
  }
  if (failure.exitCode === 2) return new ToolUsageError(failure);
  return new HookToolError(failure);
}
