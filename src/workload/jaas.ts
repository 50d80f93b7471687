/**
 * The server's JAAS file: who may join the quorum and who may log in as a client, with SASL
 * DIGEST-MD5 (zookeeper-notes §3.7). Section names are ZooKeeper's defaults for
 * `quorum.auth.server.saslLoginContext`, `quorum.auth.learner.saslLoginContext` and the client
 * `Server` context.
 */

export interface JaasCredential {
  readonly username: string;
  readonly password: string;
}

export interface JaasInput {
  /**
   * Every user a learner may authenticate as. Several, so a sync-password rotation can overlap: all
   * units first accept old and new, then switch their learner, then drop the old one. The Python charm
   * has a single user and isolates members mid-rotation (reference-charm §4).
   */
  readonly quorumServerUsers: readonly JaasCredential[];
  /** The one identity this unit presents when it connects to the leader. */
  readonly quorumLearner: JaasCredential;
  /** Client users: the super user and one per client relation. */
  readonly serverUsers: readonly JaasCredential[];
}

/** A credential the JAAS file cannot carry faithfully. Never includes the password itself. */
export class JaasError extends Error {
  override readonly name = "JaasError";
}

const LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";

/**
 * Usernames become part of an option NAME (`user_<name>`), which is an unquoted JAAS word and cannot
 * be escaped; the JDK ConfigFile tokenizer accepts these characters in a word (checked on OpenJDK 17).
 */
const USERNAME = /^[A-Za-z0-9_.-]+$/;

function checkUsername(section: string, username: string): void {
  if (!USERNAME.test(username)) {
    throw new JaasError(`JAAS ${section}: username ${JSON.stringify(username)} must match [A-Za-z0-9_.-]+`);
  }
}

/**
 * A JAAS quoted string. `\` and `"` are escaped (the JDK tokenizer reads C-style escapes inside
 * quotes). Rejected, because no escape reaches them through the JDK's parser:
 * - `${`: the JDK expands `${name}` from system properties after unquoting, and an unknown name
 *   makes the WHOLE file unreadable, which disables quorum and client auth (checked on OpenJDK 17);
 * - control and non-ASCII characters: a raw line break ends the quoted string, and the file is read
 *   in the JVM's default charset, which under systemd (no LANG) need not be UTF-8.
 */
function quote(section: string, field: string, value: string): string {
  if (value === "") throw new JaasError(`JAAS ${section}: ${field} must not be empty`);
  if (value.includes("${")) throw new JaasError(`JAAS ${section}: ${field} must not contain "\${"`);
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw new JaasError(`JAAS ${section}: ${field} must be printable ASCII`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function section(name: string, options: readonly string[]): string {
  if (options.length === 0) throw new JaasError(`JAAS ${name}: needs at least one user`);
  const body = options.map((option, i) => `    ${option}${i === options.length - 1 ? ";" : ""}`);
  return [`${name} {`, `    ${LOGIN_MODULE} required`, ...body, "};"].join("\n");
}

/** `user_<name>="<password>"` lines: the users a DigestLoginModule server side accepts. */
function acceptedUsers(name: string, users: readonly JaasCredential[]): string {
  const seen = new Set<string>();
  const options = users.map(({ username, password }) => {
    checkUsername(name, username);
    if (seen.has(username)) throw new JaasError(`JAAS ${name}: username ${username} appears twice`);
    seen.add(username);
    return `user_${username}=${quote(name, `password of ${username}`, password)}`;
  });
  return section(name, options);
}

/** The whole JAAS file for one unit. */
export function renderJaas(input: JaasInput): string {
  const { username, password } = input.quorumLearner;
  checkUsername("QuorumLearner", username);
  const learner = section("QuorumLearner", [
    `username=${quote("QuorumLearner", "username", username)}`,
    `password=${quote("QuorumLearner", `password of ${username}`, password)}`,
  ]);
  return `${[
    "// Managed by the zookeeper Juju charm; local edits are overwritten. Holds passwords: mode 0600.",
    acceptedUsers("QuorumServer", input.quorumServerUsers),
    learner,
    acceptedUsers("Server", input.serverUsers),
  ].join("\n\n")}\n`;
}
