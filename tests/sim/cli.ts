/**
 * `npm run --silent sim -- <verb> …`: a thin client. The model lives in a background controller
 * process (one per model directory) that keeps running hooks and workloads between CLI calls until
 * `destroy-model`; each CLI call sends its argv to it over a unix socket and prints what comes back.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { join, resolve } from "node:path";
import { executeCommand, USAGE } from "./commands";
import { Controller } from "./controller";
import { debianImage } from "./machine-image";

interface Message {
  out?: string;
  err?: string;
  exit?: number;
}

/** A socket file, not an abstract socket: a controller may run in a network namespace of its own. */
function socketFor(modelDir: string): string {
  return join(modelDir, "controller.socket");
}

function modelDirFrom(argv: string[]): { modelDir: string; networkPerMachine: boolean; rest: string[] } {
  const rest: string[] = [];
  let modelDir = process.env.JUJU_SIM_MODEL_DIR ?? ".sim";
  let networkPerMachine = false;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--network-per-machine") networkPerMachine = true;
    else if (argv[i] === "--model-dir") modelDir = argv[++i] ?? modelDir;
    else if (argv[i]!.startsWith("--model-dir=")) modelDir = argv[i]!.slice("--model-dir=".length);
    else rest.push(argv[i]!);
  }
  return { modelDir: resolve(modelDir), networkPerMachine, rest };
}

async function connect(modelDir: string): Promise<Socket | undefined> {
  return new Promise((resolveConnect) => {
    const socket = createConnection(socketFor(modelDir));
    socket.once("connect", () => resolveConnect(socket));
    socket.once("error", () => resolveConnect(undefined));
  });
}

/**
 * Starts the model's controller in the background; with networks per machine it runs in a network
 * namespace of its own (holding the model's bridge), as scripts/in-netns.sh does for the tests.
 */
async function startController(modelDir: string, networkPerMachine: boolean): Promise<Socket> {
  mkdirSync(modelDir, { recursive: true });
  const log = openSync(join(modelDir, "controller.log"), "a");
  const controllerArgv = [process.execPath, process.argv[1]!, "__controller", "--model-dir", modelDir];
  const argv = networkPerMachine
    ? [
        "unshare",
        "--net",
        "--",
        "sh",
        "-c",
        'ip link set lo up && exec "$@"',
        "controller",
        ...controllerArgv,
        "--network-per-machine",
      ]
    : controllerArgv;
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: ["ignore", log, log],
    env: process.env,
  });
  child.unref();
  for (let attempt = 0; attempt < 200; attempt += 1) {
    await new Promise((r) => setTimeout(r, 50));
    const socket = await connect(modelDir);
    if (socket) return socket;
    if (child.exitCode !== null) break;
  }
  const tail = existsSync(join(modelDir, "controller.log"))
    ? readFileSync(join(modelDir, "controller.log"), "utf8").slice(-2000)
    : "";
  throw new Error(`the controller did not start:\n${tail}`);
}

async function runController(modelDir: string, networkPerMachine: boolean): Promise<void> {
  const controller = await Controller.create({ modelDir, networkPerMachine });
  writeFileSync(
    join(modelDir, "controller.json"),
    `${JSON.stringify({ pid: process.pid, model: controller.model.uuid })}\n`,
  );
  const server = createServer((socket) => {
    let buffer = "";
    const closed = new Promise<void>((resolveClosed) => {
      socket.once("close", () => resolveClosed());
      socket.once("error", () => resolveClosed());
    });
    const send = (message: Message) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
    };
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      const request = JSON.parse(buffer.slice(0, newline)) as { argv: string[]; cwd: string };
      buffer = "";
      void (async () => {
        if (request.argv[0] === "destroy-model") {
          await controller.destroy();
          controller.removeModelDir();
          send({ err: `Destroyed model "${controller.model.name}" (${modelDir}).\n` });
          send({ exit: 0 });
          socket.end();
          server.close();
          setTimeout(() => process.exit(0), 100);
          return;
        }
        const code = await executeCommand(controller, request.argv, {
          cwd: request.cwd,
          out: (text) => send({ out: text }),
          err: (text) => send({ err: text }),
          closed,
        });
        send({ exit: code });
        socket.end();
      })();
    });
  });
  rmSync(socketFor(modelDir), { force: true });
  server.listen(socketFor(modelDir));
  const shutdown = async () => {
    await controller.destroy();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
}

async function main(argv: string[]): Promise<number> {
  const { modelDir, networkPerMachine, rest } = modelDirFrom(argv);
  if (rest[0] === "__controller") {
    await runController(modelDir, networkPerMachine);
    return -1;
  }
  if (rest.length === 0 || rest[0] === "help" || rest[0] === "--help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (rest[0] === "image") {
    process.stdout.write(`${debianImage()}\n`);
    return 0;
  }
  let socket = await connect(modelDir);
  if (!socket) {
    if (rest[0] === "destroy-model") {
      if (existsSync(modelDir)) rmSync(modelDir, { recursive: true, force: true });
      process.stderr.write(`No controller runs for ${modelDir}; removed what was left.\n`);
      return 0;
    }
    if (rest[0] !== "deploy" && rest[0] !== "model-config") {
      process.stderr.write(`ERROR no model in ${modelDir}: deploy a charm first\n`);
      return 1;
    }
    socket = await startController(modelDir, networkPerMachine);
  }
  const connection = socket;
  return new Promise((resolveExit) => {
    let buffer = "";
    let code = 1;
    connection.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as Message;
        buffer = buffer.slice(newline + 1);
        if (message.out !== undefined) process.stdout.write(message.out);
        if (message.err !== undefined) process.stderr.write(message.err);
        if (message.exit !== undefined) code = message.exit;
        newline = buffer.indexOf("\n");
      }
    });
    connection.on("close", () => resolveExit(code));
    connection.on("error", () => resolveExit(1));
    process.on("SIGINT", () => connection.destroy());
    connection.write(`${JSON.stringify({ argv: rest, cwd: process.cwd() })}\n`);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ERROR ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
