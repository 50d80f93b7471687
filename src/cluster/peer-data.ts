/**
 * What units tell each other over the `cluster` peer relation: intent and progress only, never a
 * second copy of the membership (that lives in /zookeeper/config).
 */
import { field } from "../../lib/juju";
import { checkGranted } from "../clients/granted";
import { DEBIAN_VERSION } from "../workload/zookeeper-versions";

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const UNIT = /^[a-z][a-z0-9-]*\/\d+$/;

/** Each unit's bag. */
export const PEER_UNIT_SCHEMA = {
  /** The address its ZooKeeper server binds (quorum, election, client and admin ports). */
  address: field.string({ pattern: IPV4 }),
  /** Set once its server has been started (as bootstrap, joiner or member). */
  started: field.boolean(),
  /** Why it needs a rolling-restart turn; absent when its server runs the desired config. */
  "restart-request": field.string({ maxLength: 500 }),
  /** Fingerprint of the credentials its running server loaded (credentials.ts). */
  credentials: field.string({ pattern: /^[0-9a-f]{16}$/ }),
  /**
   * Hash of the configuration its running server was started with: the leader compares it with the
   * desired one, so it knows who will need a restart before they ask (the ZooKeeper leader goes last).
   */
  "running-config": field.string({ pattern: /^[0-9a-f]{16}$/ }),
  /**
   * The committed config version (hex) its server last joined from, written once the joiner serves:
   * a new value wakes the leader to add it (cluster-plan.ts planRunning, nextReconfig).
   */
  "joined-from": field.string({ pattern: /^[0-9a-f]+$/ }),
  /** The TLS phase its running server was started with (`off` without TLS). */
  "running-tls": field.oneOf(["off", "unify", "quorum", "on"] as const),
  /** Fingerprint of its certificate, once it has one in place (tls-requirer.ts). */
  "tls-certificate": field.string({ pattern: /^[0-9a-f]{32}$/ }),
  /** The ZooKeeper package version its running server was started from. */
  "zookeeper-version": field.string({ pattern: DEBIAN_VERSION, maxLength: 100 }),
  /** The target version whose upgrade failed its post-check here: the roll stopped at this unit. */
  "upgrade-failed": field.string({ pattern: DEBIAN_VERSION, maxLength: 100 }),
} as const;

/** The application bag, written by the Juju leader. */
export const PEER_APP_SCHEMA = {
  /** URI of the app-owned secret holding every password (credentials.ts). */
  "passwords-secret": field.string({ pattern: /^secret:(\/\/[^/]+\/)?[a-z0-9]+$/ }),
  /** The unit chosen to start the ensemble alone. */
  "bootstrap-unit": field.string({ pattern: UNIT }),
  /** The one unit allowed to restart now. */
  "restart-granted": field.string({ pattern: UNIT }),
  /**
   * The committed config version after the leader's last reconfig (hex). Writing it wakes the other
   * units (relation-changed) so they see the new membership at once.
   */
  "ensemble-version": field.string({ pattern: /^[0-9a-f]+$/ }),
  /** Fingerprint of the credentials every server should run; a change wakes every unit. */
  credentials: field.string({ pattern: /^[0-9a-f]{16}$/ }),
  /** Where a sync-password rotation stands (credentials.ts quorumJaas). */
  "sync-rotation": field.oneOf(["accept", "switch"] as const),
  /** Where the ensemble stands on its way to TLS or back (tls-phase.ts); absent: no TLS. */
  tls: field.oneOf(["unify", "quorum", "on"] as const),
  /**
   * The ZooKeeper package version every server should run (zookeeper-versions.ts): the first
   * leader's installed one, then what `upgrade-zookeeper` or a refresh asks for. A new value rolls
   * through the units one at a time.
   */
  "zookeeper-version": field.string({ pattern: DEBIAN_VERSION, maxLength: 100 }),
  /** Client relations served, by relation id: chroot, permissions, secrets (JSON). */
  clients: field.json(checkGranted),
} as const;
