/**
 * The test TLS provider: signs each certificate signing request its requirers publish with a real CA
 * (OpenSSL's `ca`), as self-signed-certificates does on the wire (tls-certificates v4): it reads
 * `certificate_signing_requests` — a JSON list of `{certificate_signing_request, ca}` — from every
 * requirer unit's databag and answers in its application databag with `certificates`, a JSON list
 * of `{ca, certificate_signing_request, certificate, chain}` (chain: leaf first, root last).
 * Certificates whose request went away are dropped; a new CA (`ca-generation`) signs everything again.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { active, type Hook, runHook, waiting } from "../../../lib/juju";

const STATE_DIR = "/var/lib/tls-provider";

interface Issued {
  readonly ca: string;
  readonly certificate_signing_request: string;
  readonly certificate: string;
  readonly chain: string[];
}

interface Authority {
  readonly dir: string;
  readonly root: string;
  /** The certificate that signs leaves: the root, or an intermediate. */
  readonly signer: string;
  readonly signerKey: string;
  /** Between the leaf and the root (empty without an intermediate). */
  readonly intermediates: string[];
}

function openssl(args: readonly string[], input?: string): string {
  return execFileSync("openssl", args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

const pem = (path: string) => readFileSync(path, "utf8").trim();

/** The CA of this generation, created on first use (root, and an intermediate when asked). */
function authority(generation: number, intermediate: boolean): Authority {
  const dir = join(STATE_DIR, `generation-${generation}${intermediate ? "-intermediate" : ""}`);
  if (!existsSync(join(dir, "signer.pem"))) {
    mkdirSync(join(dir, "issued"), { recursive: true, mode: 0o700 });
    openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "365",
      "-keyout",
      join(dir, "root.key"),
      "-out",
      join(dir, "root.pem"),
      "-subj",
      `/CN=tls-provider root ${generation}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ]);
    if (intermediate) {
      const csr = openssl([
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, "signer.key"),
        "-subj",
        `/CN=tls-provider intermediate ${generation}`,
      ]);
      writeFileSync(
        join(dir, "intermediate.ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
      );
      writeFileSync(
        join(dir, "signer.pem"),
        openssl(
          [
            "x509",
            "-req",
            "-sha256",
            "-days",
            "365",
            "-CA",
            join(dir, "root.pem"),
            "-CAkey",
            join(dir, "root.key"),
            "-set_serial",
            `0x${Date.now().toString(16)}`,
            "-extfile",
            join(dir, "intermediate.ext"),
          ],
          csr,
        ),
      );
    } else {
      writeFileSync(join(dir, "signer.pem"), readFileSync(join(dir, "root.pem")));
      writeFileSync(join(dir, "signer.key"), readFileSync(join(dir, "root.key")), { mode: 0o600 });
    }
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "serial"), `${Date.now().toString(16).padStart(16, "0")}\n`);
    writeFileSync(
      join(dir, "ca.cnf"),
      [
        "[ca]",
        "default_ca = issuer",
        "[issuer]",
        `dir = ${dir}`,
        "database = $dir/index.txt",
        "new_certs_dir = $dir/issued",
        "serial = $dir/serial",
        "default_md = sha256",
        "policy = any",
        "copy_extensions = copyall",
        "unique_subject = no",
        "preserve = yes",
        "x509_extensions = leaf",
        "[any]",
        "commonName = optional",
        "[leaf]",
        "basicConstraints = critical,CA:FALSE",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
        "",
      ].join("\n"),
    );
  }
  return {
    dir,
    root: pem(join(dir, "root.pem")),
    signer: pem(join(dir, "signer.pem")),
    signerKey: join(dir, "signer.key"),
    intermediates: intermediate ? [pem(join(dir, "signer.pem"))] : [],
  };
}

/** `openssl ca` wants times as YYYYMMDDHHMMSSZ. */
function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

function sign(ca: Authority, csr: string, validityMinutes: number): Issued {
  const work = mkdtempSync(join(tmpdir(), "tls-provider-"));
  try {
    writeFileSync(join(work, "request.pem"), `${csr}\n`);
    const now = Date.now();
    openssl([
      "ca",
      "-batch",
      "-notext",
      "-config",
      join(ca.dir, "ca.cnf"),
      "-cert",
      join(ca.dir, "signer.pem"),
      "-keyfile",
      ca.signerKey,
      "-startdate",
      asn1Time(new Date(now - 60_000)),
      "-enddate",
      asn1Time(new Date(now + validityMinutes * 60_000)),
      "-in",
      join(work, "request.pem"),
      "-out",
      join(work, "certificate.pem"),
    ]);
    const certificate = pem(join(work, "certificate.pem"));
    return {
      ca: ca.root,
      certificate_signing_request: csr,
      certificate,
      chain: [certificate, ...ca.intermediates, ca.root],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The requests in one requirer unit's databag; a malformed bag is logged and skipped. */
function requests(hook: Hook, raw: string | undefined, unit: string): string[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as { certificate_signing_request?: unknown; ca?: unknown }[];
    return parsed
      .filter((entry) => typeof entry.certificate_signing_request === "string" && entry.ca === false)
      .map((entry) => (entry.certificate_signing_request as string).trim());
  } catch {
    hook.log.warn({ unit }, "ignoring malformed certificate_signing_requests");
    return [];
  }
}

async function handle(hook: Hook): Promise<void> {
  const config = hook.tools.configGet();
  const ca = authority(Number(config["ca-generation"] ?? 1), config.intermediate === true);
  if (hook.action) {
    hook.action.setResults({ ca: ca.root });
    return;
  }
  if (!hook.model.isLeader) return hook.report(active());
  const validity = Number(config["certificate-validity-minutes"] ?? 129_600);
  let signed = 0;
  for (const relation of hook.model.relations("certificates")) {
    const current = (() => {
      try {
        return JSON.parse(relation.rawAppData(hook.model.appName).certificates ?? "[]") as Issued[];
      } catch {
        return [];
      }
    })();
    const wanted = relation.units.flatMap((unit) =>
      requests(hook, relation.rawUnitData(unit).certificate_signing_requests, unit),
    );
    const next = wanted.map((csr) => {
      const issued = current.find(
        (entry) => entry.certificate_signing_request.trim() === csr && entry.ca === ca.root,
      );
      if (issued) return issued;
      signed += 1;
      return sign(ca, csr, validity);
    });
    const serialized = JSON.stringify(next);
    if (serialized !== (relation.rawAppData(hook.model.appName).certificates ?? "[]"))
      hook.tools.relationSet(relation.ref, hook.model.appName, { certificates: serialized }, true);
  }
  if (signed > 0) hook.log.info({ signed }, "signed certificate requests");
  hook.report(hook.model.relations("certificates").length > 0 ? active() : waiting("no requirers"));
}

runHook(handle).then((code) => process.exit(code));
