/**
 * A small ZooKeeper client for the demo: talks to the ensemble with lib/zookeeper as the digest super
 * user. The password comes from the ZK_PASSWORD environment variable, never the command line.
 *
 *   zk-client <host:port,…> write <path> <text>   create or update a znode
 *   zk-client <host:port,…> read <path>           print a znode's data (after a sync)
 *   zk-client <host:port,…> ensemble              who leads, and the committed members
 */
import { probeSrvr, ZooKeeperManager } from "../lib/zookeeper";

async function main(): Promise<void> {
  const [hostList, command, path, text] = process.argv.slice(2);
  const password = process.env.ZK_PASSWORD;
  if (!hostList || !command || !password) {
    throw new Error("usage: ZK_PASSWORD=… zk-client <host:port,…> write|read|ensemble [path] [text]");
  }
  const hosts = hostList.split(",");
  const zk = await ZooKeeperManager.connect({ hosts, auth: { username: "super", password } });
  try {
    if (command === "write" && path && text !== undefined) {
      const parent = path.slice(0, path.lastIndexOf("/")) || "/";
      if (parent !== "/") await zk.ensurePath(parent);
      if (await zk.exists(path)) await zk.setData(path, text);
      else await zk.create(path, text);
      console.log(`wrote ${path} = ${JSON.stringify(text)} through ${zk.connectedServer}`);
    } else if (command === "read" && path) {
      await zk.sync("/");
      console.log(
        `${zk.connectedServer}: ${path} = ${JSON.stringify((await zk.getData(path)).data.toString())}`,
      );
    } else if (command === "ensemble") {
      const config = await zk.getConfig({ sync: true });
      console.log(`committed config version ${config.version.toString(16)}:`);
      for (const server of config.servers) {
        const srvr = await probeSrvr(
          `${server.clientAddress ?? server.address}:${server.clientPort ?? 2181}`,
        ).catch(() => undefined);
        console.log(
          `  server.${server.id}  ${server.address}  ${server.role}  ${srvr?.mode ?? "unreachable"}`,
        );
      }
    } else {
      throw new Error(`unknown command ${command}`);
    }
  } finally {
    await zk.close();
  }
}

main().catch((error: unknown) => {
  console.error(`zk-client: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
