/**
 * The controller side of the hook-tool transport: an abstract unix socket that `jujuc` (every tool
 * executable and the machines' systemctl) talks to. Files and stdin a tool names are read through
 * /proc/<pid>/root and /proc/<pid>/cwd, so paths resolve as the calling process sees them inside its
 * machine's mount namespace.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { dirname, isAbsolute, join } from "node:path";

export interface ToolRequest {
  readonly pid: number;
  readonly contextId: string;
  readonly tool: string;
  readonly args: string[];
  /** Present when the tool was called with `--file -`. */
  readonly stdin: string | undefined;
}

export interface ToolIO {
  readStdin(): string;
  readFile(path: string): string;
  writeFile(path: string, data: string): void;
}

export interface ToolOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export type ToolHandler = (request: ToolRequest, io: ToolIO) => ToolOutput | Promise<ToolOutput>;

/** Resolves `path` as process `pid` sees it (its root and working directory). */
export function pathAsSeenBy(pid: number, path: string): string {
  return isAbsolute(path) ? join(`/proc/${pid}/root`, path) : join(`/proc/${pid}/cwd`, path);
}

export function ioFor(request: ToolRequest): ToolIO {
  return {
    readStdin: () => request.stdin ?? "",
    readFile: (path) => readFileSync(pathAsSeenBy(request.pid, path), "utf8"),
    writeFile: (path, data) => writeFileSync(pathAsSeenBy(request.pid, path), data),
  };
}

function parseRequest(data: Buffer): ToolRequest {
  const fields: string[] = [];
  let offset = 0;
  const next = (): string => {
    const end = data.indexOf(0, offset);
    if (end < 0) throw new Error("truncated request");
    const field = data.subarray(offset, end).toString("utf8");
    offset = end + 1;
    return field;
  };
  if (next() !== "JUJUC1") throw new Error("not a jujuc request");
  const pid = Number(next());
  const contextId = next();
  const tool = next();
  const argc = Number(next());
  for (let i = 0; i < argc; i += 1) fields.push(next());
  const rest = data.subarray(offset);
  const readsStdin = fields.some(
    (arg, index) => arg === "--file=-" || (arg === "--file" && fields[index + 1] === "-"),
  );
  return { pid, contextId, tool, args: fields, stdin: readsStdin ? rest.toString("utf8") : undefined };
}

function encodeOutput(output: ToolOutput): Buffer {
  const stdout = Buffer.from(output.stdout, "utf8");
  const header = Buffer.alloc(8);
  header.writeUInt32BE(output.code >>> 0, 0);
  header.writeUInt32BE(stdout.length, 4);
  return Buffer.concat([header, stdout, Buffer.from(output.stderr, "utf8")]);
}

export class ToolServer {
  private readonly server: Server;

  private constructor(
    readonly address: string,
    handler: ToolHandler,
  ) {
    // allowHalfOpen: jujuc shuts down its writing side to mark the end of the request and then
    // waits for the answer; without it Node would close our side at that moment.
    this.server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", () => socket.destroy());
      socket.on("end", () => {
        void (async () => {
          let output: ToolOutput;
          try {
            const request = parseRequest(Buffer.concat(chunks));
            output = await handler(request, ioFor(request));
          } catch (error) {
            output = {
              code: 1,
              stdout: "",
              stderr: `ERROR ${error instanceof Error ? error.message : String(error)}\n`,
            };
          }
          socket.end(encodeOutput(output));
        })();
      });
    });
  }

  /**
   * Listens on `address`: an abstract socket (starting with `@`, as Juju's agent sockets are) or a
   * socket file (replacing a stale one), which close() removes.
   */
  static async listen(address: string, handler: ToolHandler): Promise<ToolServer> {
    if (!address.startsWith("@")) rmSync(address, { force: true });
    const tools = new ToolServer(address, handler);
    await new Promise<void>((resolve, reject) => {
      tools.server.once("error", reject);
      tools.server.listen(address.startsWith("@") ? `\0${address.slice(1)}` : address, () => resolve());
    });
    return tools;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A file of tests/sim, whether this code runs from source (vitest) or from the build/sim bundle. */
export function simSourceFile(name: string): string {
  const here = dirname(new URL(import.meta.url).pathname);
  const candidates = [join(here, name), join(here, "..", "..", "tests", "sim", name)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`cannot find ${name} (looked in ${candidates.join(", ")})`);
  return found;
}

/**
 * Compiles jujuc (cached by source hash) with `defaultSocket` baked in, for processes that run
 * without the hook environment (a service calling systemctl, `exec` sessions).
 */
export function buildJujuc(outputDir: string, defaultSocket: string): string {
  const source = simSourceFile("jujuc.c");
  const code = readFileSync(source);
  const hash = createHash("sha256").update(code).update(defaultSocket).digest("hex").slice(0, 16);
  const binary = join(outputDir, `jujuc-${hash}`);
  if (!existsSync(binary)) {
    mkdirSync(outputDir, { recursive: true });
    execFileSync("cc", ["-O2", "-o", binary, `-DDEFAULT_SOCKET=${JSON.stringify(defaultSocket)}`, source]);
  }
  return binary;
}
