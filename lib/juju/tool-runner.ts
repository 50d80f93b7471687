/**
 * The one port through which the framework executes hook tools. Tests swap in fakes; the
 * production runner spawns the tool found on PATH, synchronously (hooks are sequential anyway).
 */
import { spawnSync } from "node:child_process";

export interface ToolCall {
  readonly tool: string;
  readonly args: readonly string[];
  /** Bytes for the tool's standard input (e.g. `relation-set --file -`). */
  readonly input?: string;
  /** Argument positions whose values must not appear in errors or logs. */
  readonly secretArgs?: readonly number[];
}

export interface ToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ToolRunner {
  run(call: ToolCall): ToolResult;
}

export interface SpawnToolRunnerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Called after each call; used to count tool calls per hook. */
  readonly onCall?: (call: ToolCall, result: ToolResult, millis: number) => void;
}

export function spawnToolRunner(options: SpawnToolRunnerOptions = {}): ToolRunner {
  const env = options.env ?? process.env;
  return {
    run(call: ToolCall): ToolResult {
      const started = performance.now();
      const child = spawnSync(call.tool, call.args as string[], {
        env,
        input: call.input ?? "",
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      const result: ToolResult = child.error
        ? { exitCode: 127, stdout: "", stderr: `ERROR cannot run ${call.tool}: ${child.error.message}\n` }
        : {
            exitCode: child.status ?? 128 + (child.signal ? 1 : 0),
            stdout: child.stdout ?? "",
            stderr: child.stderr ?? "",
          };
      options.onCall?.(call, result, performance.now() - started);
      return result;
    },
  };
}

/** The argv of a call with secret positions replaced, for errors and logs. */
export function redactedArgv(call: ToolCall): string[] {
  const hidden = new Set(call.secretArgs ?? []);
  return [call.tool, ...call.args.map((arg, index) => (hidden.has(index) ? "<redacted>" : arg))];
}
