/** The ZooKeeper versions a revision runs, and dpkg's version order (checked against dpkg itself). */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  baseOf,
  compareDebianVersions,
  installableVersions,
  minorOf,
  requiredTarget,
  servesVersion,
  targetProblem,
  unsupportedProblem,
  upstreamVersion,
} from "../../../src/workload/zookeeper-versions";

describe("compareDebianVersions", () => {
  const pairs: [string, string][] = [
    ["3.8.0-11+deb12u2", "3.8.0-11+deb12u1"],
    ["3.8.0-11+deb12u2+charmtest1", "3.8.0-11+deb12u2"],
    ["3.9.3-1", "3.8.0-11+deb12u2"],
    ["3.9.1-1ubuntu1", "3.9.1-1"],
    ["3.9.3-1~bpo12+1", "3.9.3-1"],
    ["3.9.3-1", "3.9.3-1"],
    ["1:3.4.0-1", "3.9.3-1"],
    ["3.10.0-1", "3.9.9-1"],
    ["3.8.0", "3.8.0-1"],
    ["3.8.0a-1", "3.8.0-1"],
    ["3.8.0-0", "3.8.0-00"],
    ["3.8.0~rc1-1", "3.8.0-1"],
  ];

  it.each(pairs)("orders %s against %s as dpkg --compare-versions does", (a, b) => {
    const dpkg = (op: string) => spawnSync("dpkg", ["--compare-versions", a, op, b]).status === 0;
    const expected = dpkg("lt") ? -1 : dpkg("gt") ? 1 : 0;
    expect(Math.sign(compareDebianVersions(a, b))).toBe(expected);
    expect(Math.sign(compareDebianVersions(b, a))).toBe(-expected || 0);
  });
});

describe("versions and bases", () => {
  it("reads the base from os-release, quoted or not", () => {
    expect(baseOf('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n')).toBe(
      "debian@12",
    );
    expect(baseOf('ID=ubuntu\nVERSION_ID="24.04"\n')).toBe("ubuntu@24.04");
    expect(baseOf(undefined)).toBeUndefined();
  });

  it("takes the upstream version and minor out of a package version, and matches srvr's", () => {
    expect(upstreamVersion("3.8.0-11+deb12u2")).toBe("3.8.0");
    expect(upstreamVersion("1:3.9.1-1ubuntu1")).toBe("3.9.1");
    expect(minorOf("3.9.3-1")).toBe("3.9");
    // Debian's build leaves the git placeholder in the version string.
    const debian = ["3.8.0-$", "{mvngit.commit.id}, built on 2024-12-29 17:54 UTC"].join("");
    expect(servesVersion(debian, "3.8.0-11+deb12u2")).toBe(true);
    expect(servesVersion("3.9.3-1, built on x", "3.8.0-11+deb12u2")).toBe(false);
    expect(servesVersion(undefined, "3.8.0-11")).toBe(false);
  });
});

describe("targetProblem", () => {
  const check = {
    base: "debian@12",
    available: ["3.8.0-11+deb12u2+charmtest1", "3.8.0-11+deb12u2", "3.8.0-11+deb12u1"],
    running: ["3.8.0-11+deb12u2"],
  };

  it.each([
    ["3.8.0-11+deb12u2+charmtest1", undefined],
    // Back within a minor version: allowed (the way back from a failed upgrade).
    ["3.8.0-11+deb12u1", undefined],
    ["3.9.3-1", /runs ZooKeeper 3\.8 on debian@12, not 3\.9\.3-1/],
    ["3.8.1-1", /not available from this machine's apt sources \(available: 3\.8\.0-11\+deb12u2\+charmtest1/],
    ["latest", /Debian package version/],
    ["3.8.0; rm -rf /", /Debian package version/],
  ])("%s → %s", (version, problem) => {
    const found = targetProblem({ ...check, version });
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it("never goes back a minor version, whatever the base allows", () => {
    expect(
      targetProblem({ version: "3.8.0-11", base: undefined, available: ["3.8.0-11"], running: ["3.9.3-1"] }),
    ).toMatch(/3\.9 cannot go back to 3\.8/);
  });
});

describe("installableVersions", () => {
  it("are the versions apt offers of both packages (the server needs the scripts and the jars at one version)", () => {
    const offered: Record<string, string[]> = {
      zookeeper: ["3.9.3-1", "3.9.2-1", "3.9.1-1"],
      "libzookeeper-java": ["3.9.2-1", "3.9.1-1"],
    };
    expect(installableVersions((name) => offered[name] ?? [])).toEqual(["3.9.2-1", "3.9.1-1"]);
  });
});

describe("requiredTarget (after a refresh) and unsupportedProblem", () => {
  it("keeps a version this revision runs on the base", () => {
    expect(requiredTarget("3.8.0-11+deb12u2", "debian@12", [])).toBeUndefined();
    expect(unsupportedProblem("3.8.0-11+deb12u2", "debian@12")).toBeUndefined();
  });

  it("moves to the newest supported version apt offers when the current one is not supported", () => {
    expect(requiredTarget("3.8.4-1", "ubuntu@24.04", ["3.9.1-1", "3.9.2-1", "3.8.5-1"])).toBe("3.9.2-1");
  });

  it("keeps the current one when apt offers no supported version, and says why it is not supported", () => {
    expect(requiredTarget("3.8.4-1", "ubuntu@24.04", ["3.8.5-1"])).toBeUndefined();
    expect(unsupportedProblem("3.8.4-1", "ubuntu@24.04")).toBe(
      "this charm revision runs ZooKeeper 3.9 on ubuntu@24.04, not 3.8.4-1",
    );
  });
});
