/**
 * Fake hook-tool executables for unit tests: each records its argv and stdin, then answers with the
 * stdout, stderr and exit code a test configured for that tool (by default: nothing, exit 0).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnToolRunner, type ToolRunner } from "../../../lib/juju";

export interface RecordedCall {
  readonly argv: string[];
  readonly stdin: string;
}

export interface ToolAnswer {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode?: number;
}

const SCRIPT = `#!/bin/sh
d="$FAKE_TOOLS_DIR"
n=$(basename "$0")
i=$(ls "$d/calls" | wc -l)
f="$d/calls/$(printf %05d "$i")"
printf '%s\\0' "$n" "$@" > "$f.argv"
cat > "$f.stdin"
[ -f "$d/answers/$n.out" ] && cat "$d/answers/$n.out"
[ -f "$d/answers/$n.err" ] && cat "$d/answers/$n.err" >&2
[ -f "$d/answers/$n.rc" ] && exit "$(cat "$d/answers/$n.rc")"
exit 0
`;

export const TOOL_NAMES = [
  "relation-ids",
  "relation-list",
  "relation-get",
  "relation-set",
  "is-leader",
  "config-get",
  "status-set",
  "status-get",
  "application-version-set",
  "juju-log",
  "action-get",
  "action-set",
  "action-fail",
  "action-log",
  "secret-add",
  "secret-get",
  "secret-set",
  "secret-grant",
  "secret-revoke",
  "secret-remove",
  "secret-ids",
  "secret-info-get",
  "state-get",
  "state-set",
  "state-delete",
  "open-port",
  "close-port",
  "opened-ports",
  "network-get",
  "unit-get",
  "storage-list",
  "storage-get",
  "goal-state",
] as const;

export class FakeTools {
  readonly dir = mkdtempSync(join(tmpdir(), "fake-tools-"));
  readonly runner: ToolRunner;

  constructor() {
    mkdirSync(join(this.dir, "bin"));
    mkdirSync(join(this.dir, "calls"));
    mkdirSync(join(this.dir, "answers"));
    for (const tool of TOOL_NAMES) {
      const path = join(this.dir, "bin", tool);
      writeFileSync(path, SCRIPT);
      chmodSync(path, 0o755);
    }
    this.runner = spawnToolRunner({ env: this.env });
  }

  get env(): NodeJS.ProcessEnv {
    return { PATH: `${join(this.dir, "bin")}:/usr/bin:/bin`, FAKE_TOOLS_DIR: this.dir };
  }

  answer(tool: string, answer: ToolAnswer): void {
    const base = join(this.dir, "answers", tool);
    for (const suffix of [".out", ".err", ".rc"]) rmSync(base + suffix, { force: true });
    if (answer.stdout !== undefined) writeFileSync(`${base}.out`, answer.stdout);
    if (answer.stderr !== undefined) writeFileSync(`${base}.err`, answer.stderr);
    if (answer.exitCode !== undefined) writeFileSync(`${base}.rc`, String(answer.exitCode));
  }

  get calls(): RecordedCall[] {
    const dir = join(this.dir, "calls");
    return readdirSync(dir)
      .filter((name) => name.endsWith(".argv"))
      .sort()
      .map((name) => ({
        argv: readFileSync(join(dir, name), "utf8").split("\0").slice(0, -1),
        stdin: readFileSync(join(dir, name.replace(".argv", ".stdin")), "utf8"),
      }));
  }

  get argvs(): string[][] {
    return this.calls.map((call) => call.argv);
  }

  reset(): void {
    rmSync(join(this.dir, "calls"), { recursive: true, force: true });
    mkdirSync(join(this.dir, "calls"));
    rmSync(join(this.dir, "answers"), { recursive: true, force: true });
    mkdirSync(join(this.dir, "answers"));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
