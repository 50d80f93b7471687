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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  APP,
  deployZookeeper,
  destroyModel,
  eventually,
  liveUnits,
  newModel,
  saveDebugLog,
} from "./support/charm-model";

const PROVIDER = "tls-provider";
let controller: Controller;
let relationId: number;

beforeAll(async () => {
  controller = await newModel();
  await deployZookeeper(controller, 3);
  execFileSync(process.execPath, ["scripts/build.mjs", "--test-charm", PROVIDER], { stdio: "pipe" });
  await controller.deploy(`build/charms/${PROVIDER}`, PROVIDER);
  relationId = controller.integrate(`${APP}:certificates`, PROVIDER);
  await controller.waitFor({ timeoutMs: 240_000 }).catch((error: unknown) => {
    saveDebugLog(controller, "tls-setup");
    throw error;
  });
});
let failed = false;
afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});
afterAll(async () => {
  if (failed && controller) saveDebugLog(controller, "tls");
  await destroyModel(controller);
});

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

describe("certificates relation", () => {
  it("gives every unit a key in a unit-owned secret and a certificate for its address and host name", async () => {
    const ca = await rootCa();
    for (const unit of liveUnits(controller)) await expectInstalled(unit.name, ca);
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
    await eventually(async () => {
      for (const unit of liveUnits(controller)) {
        const leaf = await expectInstalled(unit.name, ca);
        expect(leaf.issuer).toContain("intermediate");
      }
    }, 60_000);
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
});
