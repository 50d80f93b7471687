/**
 * ZooKeeper administration for charms: an admin session with reconfig and sync, typed errors,
 * `/zookeeper/config` parsing, ACL helpers, four-letter-word probes and member health.
 * Knows nothing about Juju.
 */
export {
  type Acl,
  digestAcl,
  digestCredential,
  maskToPerms,
  normalizePerms,
  permsToMask,
  sameAcls,
  saslAcl,
  worldAcl,
} from "./acl";
export {
  clientEndpoint,
  type EnsembleConfig,
  findServer,
  formatEnsembleConfig,
  formatServer,
  formatServers,
  parseEnsembleConfig,
  parseServerLine,
  participants,
  type QuorumAddress,
  type ServerRole,
  type ServerSpec,
  sameMembers,
} from "./ensemble-config";
export {
  checkEnsembleHealth,
  checkMemberHealth,
  type EnsembleProbeOptions,
  findLeader,
  type LeaderInfo,
  probeServer,
} from "./ensemble-probe";
export {
  AuthFailedError,
  BadArgumentsError,
  BadVersionError,
  ClientClosedError,
  ConnectionLossError,
  errorCodeName,
  errorFromCode,
  FourLetterWordNotAllowedError,
  isOutcomeUnknown,
  NewConfigNoQuorumError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  ParseError,
  ProbeError,
  QuotaExceededError,
  ReconfigDisabledError,
  ReconfigInProgressError,
  SessionClosedRequireAuthError,
  SessionExpiredError,
  TimeoutError,
  ZooKeeperError,
  ZooKeeperErrorCode,
  ZooKeeperServerError,
} from "./errors";
export {
  type ConfReport,
  type MntrReport,
  NOT_SERVING_TEXT,
  parseConf,
  parseMntr,
  parseRuok,
  parseSrvr,
  type ServerMode,
  type SrvrReport,
} from "./four-letter-word-parsers";
export {
  type ProbeOptions,
  probeConf,
  probeMntr,
  probeRuok,
  probeSrvr,
  sendFourLetterWord,
} from "./four-letter-words";
export {
  type EnsembleHealth,
  evaluateEnsembleHealth,
  evaluateMemberHealth,
  type MemberHealth,
  type MemberProbe,
} from "./member-health";
export type { NodeStat } from "./node-stat";
export {
  type CallOptions,
  CONFIG_NODE,
  type ConnectionStateName,
  type CreateMode,
  type CreateOptions,
  type DigestAuth,
  type EnsurePathOptions,
  type GetConfigOptions,
  type NodeAcl,
  type NodeData,
  type ReconfigOptions,
  type VersionedCallOptions,
  type ZooKeeperConnectOptions,
  ZooKeeperManager,
} from "./zookeeper-manager";
