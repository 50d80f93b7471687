/**
 * The `certificates` relation (tls-certificates, the v4 library's wire format) against a provider
 * that signs with a real CA (tests/charms/tls-provider, OpenSSL): each unit keeps its private key in
 * a unit-owned Juju secret, publishes one CSR whose subject and SANs hold its address and host name,
 * and installs the certificate that answers it — key store owner-only, trust store with the CA and
 * any intermediate — checked with openssl, never trusting the charm's own account. The key appears in
 * no databag and no log.
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { serverClasspath } from "../../src/workload";
import type { Controller } from "../sim/controller";
import {
  APP,
  adminSession,
  deployZookeeper,
  destroyModelAfterAll,
  eventually,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
  superPassword,
  zookeeperLeader,
} from "./support/charm-model";
import { buildClientCharm } from "./support/client-charm";
import { expectNoLostWrites, keepWriting, type WriterResult } from "./support/writer";

const PROVIDER = "tls-provider";
let controller: Controller;
let relationId: number;
let clientRelation: number;

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  execFileSync(process.execPath, ["scripts/build.mjs", "--test-charm", PROVIDER], { stdio: "pipe" });
  await controller.deploy(`build/charms/${PROVIDER}`, PROVIDER);
  await controller.deploy(buildClientCharm(), "alpha");
  clientRelation = controller.integrate("alpha", APP);
  await controller.waitFor({ timeoutMs: 240_000 });
});

/** What the zookeeper application tells its client (its app bag on the client relation). */
function clientData(): Record<string, string> {
  return controller.model.relations[clientRelation]!.appBags[APP]!.data;
}
destroyModelAfterAll("tls", () => controller);

function openssl(args: readonly string[], input?: string): string {
  return execFileSync("openssl", args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** What a unit published: its one CSR. */
function publishedRequest(unit: string): string {
  const raw = controller.model.relations[relationId]!.unitBags[unit]!.data.certificate_signing_requests!;
  const requests = JSON.parse(raw) as { certificate_signing_request: string; ca: boolean }[];
  expect(requests).toHaveLength(1);
  expect(requests[0]!.ca).toBe(false);
  return requests[0]!.certificate_signing_request;
}

function unitKey(unit: string): string {
  const secret = Object.values(controller.model.secrets).find(
    (candidate) => candidate.label === `tls.${unit.replace("/", "-")}.private-key`,
  );
  expect(secret?.ownerKind).toBe("unit");
  expect(secret?.ownerUnit).toBe(unit);
  return secret!.revisions.at(-1)!.content["private-key"]!;
}

async function inMachine(unit: string, command: string): Promise<string> {
  const result = await controller.exec(unit, command);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** The unit's installed certificate, checked against its key, its request and the provider's CA. */
async function expectInstalled(unit: string, rootCa: string): Promise<X509Certificate> {
  const stat = await inMachine(
    unit,
    "stat -c '%a %U' /etc/zookeeper/charm/tls/server.pem /etc/zookeeper/charm/tls/ca.pem",
  );
  expect(stat.trim().split("\n")).toEqual(["600 zookeeper", "644 zookeeper"]);
  const keyStore = await inMachine(unit, "cat /etc/zookeeper/charm/tls/server.pem");
  const trustStore = await inMachine(unit, "cat /etc/zookeeper/charm/tls/ca.pem");
  // ZooKeeper's PEM loader wants PKCS#8, then the chain, leaf first.
  expect(keyStore.startsWith("-----BEGIN PRIVATE KEY-----")).toBe(true);
  const certificates = keyStore.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const leaf = new X509Certificate(certificates[0]!);
  expect(leaf.checkPrivateKey(createPrivateKey(unitKey(unit)))).toBe(true);
  // openssl, not the charm, says the chain holds: leaf (+ intermediates it ships) against the trust store.
  const work = mkdtempSync(join(tmpdir(), "tls-verify-"));
  let verify: string;
  try {
    writeFileSync(join(work, "ca.pem"), trustStore);
    writeFileSync(join(work, "leaf.pem"), certificates[0]!);
    writeFileSync(join(work, "untrusted.pem"), certificates.slice(1).join("\n"));
    const untrusted = certificates.length > 1 ? ["-untrusted", join(work, "untrusted.pem")] : [];
    verify = openssl(["verify", "-CAfile", join(work, "ca.pem"), ...untrusted, join(work, "leaf.pem")]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  expect(verify).toContain("OK");
  expect(trustStore).toContain(rootCa.trim().split("\n")[1]);
  // The subject and SANs are the unit's: its address (CN and IP SAN) and its host name.
  const address = controller.unit(unit).address;
  const hostname = (await inMachine(unit, "hostname")).trim();
  expect(leaf.subject).toContain(`CN=${address}`);
  expect(leaf.subjectAltName?.split(", ").sort()).toEqual(
    [`DNS:${hostname}`, `IP Address:${address}`].sort(),
  );
  // And it answers the request the unit published (same key, same subject).
  const request = publishedRequest(unit);
  expect(openssl(["req", "-noout", "-pubkey"], request)).toBe(
    openssl(["x509", "-noout", "-pubkey"], leaf.toString()),
  );
  return leaf;
}

async function rootCa(): Promise<string> {
  const record = await controller.runAction(`${PROVIDER}/0`, "ca");
  return String(record.results.ca);
}

/** Every unit's TLS step as its running server says (peer data), and the application's. */
function tlsSteps(): { app: string; units: string[] } {
  const peers = Object.values(controller.model.relations).find((relation) =>
    relation.endpoints.some((endpoint) => endpoint.app === APP && endpoint.endpoint === "cluster"),
  )!;
  return {
    app: peers.appBags[APP]?.data.tls ?? "off",
    units: liveUnits(controller).map((unit) => peers.unitBags[unit.name]?.data["running-tls"] ?? "?"),
  };
}

/** `openssl s_client` against address:port trusting only `caFile`: the verify result it printed. */
function handshake(address: string, port: number, caFile: string): string {
  const out = execFileSync(
    "sh",
    [
      "-c",
      `openssl s_client -connect ${address}:${port} -CAfile ${caFile} -no-CApath -no-CAstore -verify_return_error </dev/null 2>&1 || true`,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
  const code = /Verify return code: (\d+ \([^)]*\))/.exec(out)?.[1];
  const error = /verify error:num=\d+:([^\n]*)/.exec(out)?.[1];
  return error ? `error: ${error}` : (code ?? `no verification: ${out.split("\n").slice(-6).join(" | ")}`);
}

/** The whole of `openssl s_client`'s answer after it sent something (a server may refuse late, in TLS 1.3). */
async function handshakeOutput(address: string, port: number, caFile: string): Promise<string> {
  return execFileSync(
    "sh",
    [
      "-c",
      `(echo srvr; sleep 1) | openssl s_client -connect ${address}:${port} -CAfile ${caFile} -no-CApath -no-CAstore 2>&1 || true`,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
}

function restarts(fromIndex: number): number {
  return controller.model.logs
    .slice(fromIndex)
    .filter((record) => record.message.includes("rolling restart: restarting ZooKeeper")).length;
}

async function writingThrough(tag: string, change: () => Promise<void>): Promise<WriterResult> {
  const writer = await keepWriting({
    hosts: liveUnits(controller).map((unit) => `${unit.address}:2181`),
    auth: { username: "super", password: superPassword(controller) },
    path: `/itest/${tag}`,
  });
  await change();
  const result = await writer.stop();
  await expectNoLostWrites(controller, `/itest/${tag}`, result);
  return result;
}

describe("certificates relation", () => {
  it("switches a running ensemble to TLS with a client writing: three rolling restarts, nothing lost", async () => {
    const logged = controller.model.logs.length;
    const started = Date.now();
    const result = await writingThrough("tls-on", async () => {
      relationId = controller.integrate(`${APP}:certificates`, PROVIDER);
      await eventually(async () => {
        await controller.waitFor({ timeoutMs: 120_000 });
        expect(tlsSteps()).toEqual({ app: "on", units: ["on", "on", "on"] });
      }, 300_000);
    });
    await expectHealthyEnsemble(controller);
    console.log(
      `tls on: ${((Date.now() - started) / 1000).toFixed(1)} s, ${restarts(logged)} server restarts; ${result.acknowledged.length} writes, ${result.failed} failed, longest gap ${(result.longestGapMs / 1000).toFixed(1)} s`,
    );
    expect(restarts(logged)).toBe(9);
    for (const unit of liveUnits(controller))
      expect(controller.unit(unit.name).openedPorts.sort()).toEqual(["2181/tcp", "2182/tcp"]);
    // Clients move to the secure port, with the CA they must trust and the version the servers run.
    const data = clientData();
    expect(data.tls).toBe("enabled");
    expect(data["tls-ca"]).toContain((await rootCa()).trim().split("\n")[1]);
    expect(data.endpoints!.split(",").every((endpoint) => endpoint.endsWith(":2182"))).toBe(true);
    expect(data.version).toMatch(/^3\.\d+\.\d+$/);
  });

  it("serves TLS clients on 2182 and TLS peers on the quorum ports, verified against the CA; a wrong CA fails", async () => {
    const work = mkdtempSync(join(tmpdir(), "tls-ca-"));
    try {
      writeFileSync(join(work, "ca.pem"), await rootCa());
      openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(work, "other.key"),
        "-out",
        join(work, "other.pem"),
        "-subj",
        "/CN=someone else",
        "-days",
        "1",
      ]);
      for (const unit of liveUnits(controller)) {
        expect(handshake(unit.address, 2182, join(work, "ca.pem"))).toBe("0 (ok)");
        expect(handshake(unit.address, 2182, join(work, "other.pem"))).not.toBe("0 (ok)");
        // The election port speaks TLS only (sslQuorum, no port unification any more).
        expect(handshake(unit.address, 3888, join(work, "ca.pem"))).toBe("0 (ok)");
      }
      // A ZooKeeper client of the Java library Kafka and Solr use, over TLS with the CA it was given
      // (hostname verification on: the certificate names the unit's address), writes a znode.
      const unit = liveUnits(controller)[0]!;
      writeFileSync(
        join(work, "jaas.conf"),
        `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="super"\n  password="${superPassword(controller)}";\n};\n`,
        { mode: 0o600 },
      );
      execFileSync(
        "java",
        [
          "-cp",
          serverClasspath().join(":"),
          "-Dzookeeper.client.secure=true",
          "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
          `-Dzookeeper.ssl.trustStore.location=${join(work, "ca.pem")}`,
          "-Dzookeeper.ssl.trustStore.type=PEM",
          `-Djava.security.auth.login.config=${join(work, "jaas.conf")}`,
          "org.apache.zookeeper.ZooKeeperMain",
          "-server",
          `${unit.address}:2182`,
          "create",
          "/tls-java-client",
          "written-over-tls",
        ],
        { stdio: "pipe", timeout: 90_000 },
      );
      const zk = await adminSession(controller);
      try {
        expect((await zk.getData("/tls-java-client")).data.toString()).toBe("written-over-tls");
      } finally {
        await zk.close();
      }
      // The plaintext port takes TLS too: a client steered there by /zookeeper/config stays on TLS.
      expect(handshake(unit.address, 2181, join(work, "ca.pem"))).toBe("0 (ok)");
      // The ZooKeeper leader's quorum port (followers connect to it) speaks TLS too.
      const leader = controller.unit(await zookeeperLeader(controller));
      expect(handshake(leader.address, 2888, join(work, "ca.pem"))).toBe("0 (ok)");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses a peer that speaks plaintext on the election port (ZooKeeper: "Blocked insecure connection attempt")', async () => {
    const unit = liveUnits(controller)[1]!;
    const log = "/var/log/zookeeper/zookeeper.log";
    const before = Number((await inMachine(unit.name, `wc -l < ${log}`)).trim());
    // What a pre-TLS server sends first on the election port: its protocol version, id and address.
    const answer = await controller.exec(
      liveUnits(controller)[0]!.name,
      `timeout 5 bash -c 'exec 3<>/dev/tcp/${unit.address}/3888; printf "\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01" >&3; head -c 64 <&3 | od -An -tx1 | head -1' || true`,
    );
    // A TLS-only server answers a non-TLS hello with an alert record (0x15) or closes: never a vote.
    expect(answer.stdout.trim() === "" || answer.stdout.trim().startsWith("15")).toBe(true);
    await eventually(async () => {
      const added = await inMachine(unit.name, `tail -n +${before + 1} ${log}`);
      expect(added).toContain("Blocked insecure connection attempt");
    }, 30_000);
  });

  it("tls-client-auth=need: the secure port refuses a client without a certificate (mutual TLS)", async () => {
    const work = mkdtempSync(join(tmpdir(), "tls-ca-"));
    try {
      writeFileSync(join(work, "ca.pem"), await rootCa());
      const unit = liveUnits(controller)[0]!;
      controller.setConfig(APP, { "tls-client-auth": "need" });
      await eventually(async () => {
        await controller.waitFor({ timeoutMs: 120_000 });
        expect(await handshakeOutput(unit.address, 2182, join(work, "ca.pem"))).toMatch(
          /certificate required|alert/i,
        );
      }, 180_000);
      controller.setConfig(APP, { "tls-client-auth": "none" });
      await eventually(async () => {
        await controller.waitFor({ timeoutMs: 120_000 });
        expect(handshake(unit.address, 2182, join(work, "ca.pem"))).toBe("0 (ok)");
      }, 180_000);
      await expectHealthyEnsemble(controller);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("gives every unit a key in a unit-owned secret and a certificate for its address and host name", async () => {
    const ca = await rootCa();
    for (const unit of liveUnits(controller)) await expectInstalled(unit.name, ca);
  });

  it("reports each server's certificate validity in its metrics (zookeeper-metrics reads the key store)", async () => {
    for (const unit of liveUnits(controller)) {
      const store = join(controller.machine(unit.name).dir, "upper/etc/zookeeper/charm/tls/server.pem");
      const certificate = new X509Certificate(readFileSync(store));
      const text = await (await fetch(`http://${unit.address}:7000/metrics`)).text();
      const expiry = /^zookeeper_tls_certificate_expiry_timestamp_seconds (\d+)$/m.exec(text)?.[1];
      expect(Number(expiry), unit.name).toBe(Math.floor(Date.parse(certificate.validTo) / 1000));
      expect(text).not.toContain("PRIVATE KEY");
    }
  });

  it("keeps the private keys out of every databag and every log line", () => {
    const keys = liveUnits(controller).map((unit) => unitKey(unit.name));
    const bodies = keys.map((key) => key.split("\n")[1]!);
    const databags = JSON.stringify(controller.model.relations);
    const logs = controller.model.logs.map((record) => record.message).join("\n");
    for (const body of bodies) {
      expect(databags).not.toContain(body);
      expect(logs).not.toContain(body);
    }
  });

  it("renews through an intermediate CA when the provider changes CA: the chain is trusted", async () => {
    const before = await expectInstalled(liveUnits(controller)[0]!.name, await rootCa());
    controller.setConfig(PROVIDER, { intermediate: "true", "ca-generation": "2" });
    await controller.waitFor({ timeoutMs: 120_000 });
    const ca = await rootCa();
    const work = mkdtempSync(join(tmpdir(), "tls-ca-"));
    try {
      writeFileSync(join(work, "ca.pem"), ca);
      await eventually(async () => {
        for (const unit of liveUnits(controller)) {
          const leaf = await expectInstalled(unit.name, ca);
          expect(leaf.issuer).toContain("intermediate");
          // What the secure port serves is the new certificate, with its intermediate (ZooKeeper 3.8
          // needs a restart for that, 3.9 reloads it).
          expect(handshake(unit.address, 2182, join(work, "ca.pem"))).toBe("0 (ok)");
        }
      }, 120_000);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    await controller.waitFor({ timeoutMs: 120_000 });
    await expectHealthyEnsemble(controller);
    const after = await expectInstalled(liveUnits(controller)[0]!.name, ca);
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
  });

  it("set-tls-private-key: a given key gets a certificate at once; a bad one fails the action saying why", async () => {
    const unit = liveUnits(controller)[1]!.name;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const record = await controller.runAction(unit, "set-tls-private-key", { "internal-key": pem });
    expect(record.status).toBe("completed");
    await controller.waitFor({ timeoutMs: 120_000 });
    await eventually(async () => {
      const leaf = await expectInstalled(unit, await rootCa());
      expect(leaf.checkPrivateKey(privateKey)).toBe(true);
    }, 60_000);
    const bad = await controller.runAction(unit, "set-tls-private-key", { "internal-key": "not a key" });
    expect(bad.status).toBe("failed");
    expect(bad.message).toContain("internal-key is not an unencrypted RSA or EC private key");
  });

  it("scales up and down while TLS is on: a new unit waits for its certificate and joins with TLS", async () => {
    const [added] = await controller.addUnit(APP, 1);
    await eventually(async () => {
      await controller.waitFor({ timeoutMs: 120_000 });
      expect(tlsSteps()).toEqual({ app: "on", units: ["on", "on", "on", "on"] });
      await expectHealthyEnsemble(controller);
    }, 240_000);
    await expectInstalled(added!, await rootCa());
    controller.removeUnit(added!);
    await controller.waitFor({ timeoutMs: 120_000 });
    await expectHealthyEnsemble(controller);
  });

  it("switches TLS off when the relation goes, with a client writing: nothing lost, port 2182 closed", async () => {
    const logged = controller.model.logs.length;
    const started = Date.now();
    const result = await writingThrough("tls-off", async () => {
      controller.removeRelation(`${APP}:certificates`, PROVIDER);
      await eventually(async () => {
        await controller.waitFor({ timeoutMs: 120_000 });
        expect(tlsSteps()).toEqual({ app: "off", units: ["off", "off", "off"] });
      }, 300_000);
    });
    await expectHealthyEnsemble(controller);
    console.log(
      `tls off: ${((Date.now() - started) / 1000).toFixed(1)} s, ${restarts(logged)} server restarts; ${result.acknowledged.length} writes, ${result.failed} failed, longest gap ${(result.longestGapMs / 1000).toFixed(1)} s`,
    );
    expect(restarts(logged)).toBe(9);
    expect(clientData().tls).toBe("disabled");
    for (const unit of liveUnits(controller))
      expect(controller.unit(unit.name).openedPorts).toEqual(["2181/tcp"]);
    expect(clientData()["tls-ca"]).toBeUndefined();
    expect(
      clientData()
        .endpoints!.split(",")
        .every((endpoint) => endpoint.endsWith(":2181")),
    ).toBe(true);
    const work = mkdtempSync(join(tmpdir(), "tls-ca-"));
    try {
      writeFileSync(join(work, "ca.pem"), await rootCa());
      for (const unit of liveUnits(controller))
        expect(handshake(unit.address, 2182, join(work, "ca.pem"))).toMatch(/^no verification/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("completes a switch interrupted by a scale-up, and one interrupted by a unit's removal", async () => {
    relationId = controller.integrate(`${APP}:certificates`, PROVIDER);
    await eventually(async () => {
      if (tlsSteps().app === "off") throw new Error("the switch has not started yet");
    }, 60_000);
    const [added] = await controller.addUnit(APP, 1);
    await eventually(async () => {
      await controller.waitFor({ timeoutMs: 120_000 });
      expect(tlsSteps()).toEqual({ app: "on", units: ["on", "on", "on", "on"] });
      await expectHealthyEnsemble(controller);
    }, 300_000);
    controller.removeRelation(`${APP}:certificates`, PROVIDER);
    await eventually(async () => {
      if (tlsSteps().app === "on") throw new Error("the switch back has not started yet");
    }, 60_000);
    controller.removeUnit(added!);
    await eventually(async () => {
      await controller.waitFor({ timeoutMs: 120_000 });
      expect(tlsSteps()).toEqual({ app: "off", units: ["off", "off", "off"] });
      await expectHealthyEnsemble(controller);
    }, 300_000);
  });

  it("renews each certificate at 90 % of its lifetime, woken by Juju (secret-expired), not by update-status", async () => {
    // Certificates valid for 2 minutes (from a minute ago): each falls due about 100 s after issue.
    controller.setConfig(PROVIDER, { "certificate-validity-minutes": "2" });
    if (controller.model.relations[relationId]?.life !== "alive")
      relationId = controller.integrate(`${APP}:certificates`, PROVIDER);
    await eventually(async () => {
      await controller.waitFor({ timeoutMs: 120_000 });
      expect(tlsSteps()).toEqual({ app: "on", units: ["on", "on", "on"] });
    }, 300_000);
    const ca = await rootCa();
    const first = new Map<string, string>();
    for (const unit of liveUnits(controller))
      first.set(unit.name, (await expectInstalled(unit.name, ca)).fingerprint256);
    const logged = controller.model.logs.length;
    const started = Date.now();
    const result = await writingThrough("tls-renewal", async () => {
      await eventually(async () => {
        for (const unit of liveUnits(controller))
          expect((await expectInstalled(unit.name, ca)).fingerprint256).not.toBe(first.get(unit.name));
      }, 240_000);
      await controller.waitFor({ timeoutMs: 120_000 });
    });
    console.log(
      `tls renewal: every unit renewed ${((Date.now() - started) / 1000).toFixed(1)} s after the first certificates, ${restarts(logged)} server restarts (ZooKeeper 3.8's client port needs one); ${result.acknowledged.length} writes, ${result.failed} failed, longest gap ${(result.longestGapMs / 1000).toFixed(1)} s`,
    );
    const woken = controller.model.logs
      .slice(logged)
      .filter(
        (record) => /ran "secret-expired" hook/.test(record.message) && record.unit.startsWith(`${APP}/`),
      );
    expect(woken.length).toBeGreaterThanOrEqual(3);
    expect(
      controller.model.logs.slice(logged).some((record) => /ran "update-status" hook/.test(record.message)),
    ).toBe(false);
    await eventually(async () => {
      await controller.waitFor({ timeoutMs: 120_000 });
      await expectHealthyEnsemble(controller);
    }, 180_000);
  });
});
