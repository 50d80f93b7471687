/**
 * The systemd unit that runs ZooKeeper, and the `myid` file that tells it which server it is.
 * Debian's `zookeeperd` ships only a SysV script (zookeeper-notes §4), so the charm owns a unit.
 *
 * The emulator's service manager parses this file too, so the unit uses only: Description, After,
 * Type, User, Group, ExecStart, Restart, RestartSec, SuccessExitStatus, LimitNOFILE, TimeoutStopSec, UMask,
 * WorkingDirectory, Environment, WantedBy, with ExecStart on one line and no comments.
 */
import { LOG_DIR } from "./paths";

export interface SystemdUnitInput {
  readonly javaPath: string;
  readonly jvmFlags: readonly string[];
  readonly classpath: readonly string[];
  /** The static zoo.cfg QuorumPeerMain reads. */
  readonly configPath: string;
  readonly user: string;
  readonly group: string;
  /** Where a JVM crash report (hs_err_pid*.log) lands; next to zookeeper.log by default. */
  readonly workingDirectory?: string;
}

const MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/**
 * ExecStart words are written unquoted, so a word must not need quoting: systemd would split on
 * whitespace, treat quotes and backslashes as syntax, expand `$VAR` and `%` specifiers, and take a
 * lone `;` as a command separator. Rejecting such words keeps the rendered command exactly the argv.
 */
function execWord(word: string): string {
  if (word === "" || word === ";" || /[\s"'\\$%]/.test(word)) {
    throw new TypeError(`systemd unit: ExecStart word ${JSON.stringify(word)} would need quoting`);
  }
  return word;
}

export function renderSystemdUnit(input: SystemdUnitInput): string {
  if (input.classpath.length === 0) throw new TypeError("systemd unit: classpath is empty");
  const argv = [
    input.javaPath,
    ...input.jvmFlags,
    "-cp",
    input.classpath.join(":"),
    MAIN_CLASS,
    input.configPath,
  ].map(execWord);
  return `${[
    "[Unit]",
    "Description=Apache ZooKeeper server (managed by the zookeeper Juju charm)",
    "After=network.target",
    "",
    "[Service]",
    // QuorumPeerMain stays in the foreground; systemd tracks the JVM itself, no pid file.
    "Type=simple",
    `User=${execWord(input.user)}`,
    `Group=${execWord(input.group)}`,
    `WorkingDirectory=${execWord(input.workingDirectory ?? LOG_DIR)}`,
    `ExecStart=${argv.join(" ")}`,
    // A crash or an OOM exit (-XX:+ExitOnOutOfMemoryError) restarts; a server removed from the
    // ensemble also exits non-zero on restart ("My id N not in the peer list", zookeeper-notes §3.4),
    // so the charm must stop the service of a removed unit rather than leave it crash-looping.
    "Restart=on-failure",
    "RestartSec=2",
    // The JVM exits 128+SIGTERM on a normal `systemctl stop`; that is success, not a failure.
    "SuccessExitStatus=143",
    // One descriptor per client connection plus snapshots and logs; the default 1024 is too low.
    "LimitNOFILE=65536",
    "TimeoutStopSec=30",
    // ZooKeeper rewrites zoo.cfg and writes zoo.cfg.dynamic.* itself (with the process umask, not the
    // charm's modes): keep them unreadable to others.
    "UMask=0027",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n")}\n`;
}

/**
 * The `myid` file: the server id alone on one line. ZooKeeper requires 1..255 (zookeeperAdmin,
 * "myid"): the id is shifted into the top byte of session ids, so larger ids collide.
 */
export function renderMyid(serverId: number): string {
  if (!Number.isInteger(serverId) || serverId < 1 || serverId > 255) {
    throw new RangeError(`myid: server id must be an integer between 1 and 255 (got ${serverId})`);
  }
  return `${serverId}\n`;
}
