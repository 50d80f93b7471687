import { describe, expect, it } from "vitest";
import { nextTlsPhase, type TlsUnit } from "../../../src/tls/tls-phase";

const unit = (runningTls: string, certified = true, extra: Partial<TlsUnit> = {}): TlsUnit => ({
  started: true,
  dying: false,
  runningTls,
  tlsCertificate: certified ? "ab".repeat(16) : undefined,
  ...extra,
});

describe("the move to TLS and back", () => {
  it("goes off → unify → quorum → on, one step once every server runs the current one", () => {
    expect(nextTlsPhase(undefined, true, [unit("off"), unit("off"), unit("off")])).toBe("unify");
    expect(nextTlsPhase("unify", true, [unit("unify"), unit("off"), unit("unify")])).toBe("unify");
    expect(nextTlsPhase("unify", true, [unit("unify"), unit("unify"), unit("unify")])).toBe("quorum");
    expect(nextTlsPhase("quorum", true, [unit("quorum"), unit("quorum"), unit("quorum")])).toBe("on");
    expect(nextTlsPhase("on", true, [unit("on"), unit("on"), unit("on")])).toBe("on");
  });

  it("waits for every staying unit's certificate before the first step, and holds for a new unit's", () => {
    expect(nextTlsPhase(undefined, true, [unit("off"), unit("off", false)])).toBeUndefined();
    expect(nextTlsPhase("unify", true, [unit("unify"), unit("unify", false, { started: false })])).toBe(
      "unify",
    );
    // A unit being removed neither needs a certificate nor holds a step.
    expect(nextTlsPhase(undefined, true, [unit("off"), unit("off", false, { dying: true })])).toBe("unify");
    expect(nextTlsPhase("unify", true, [unit("unify"), unit("off", true, { dying: true })])).toBe("quorum");
  });

  it("walks back on → quorum → unify → off when the relation is gone, also from the middle", () => {
    expect(nextTlsPhase("on", false, [unit("on"), unit("on")])).toBe("quorum");
    expect(nextTlsPhase("quorum", false, [unit("quorum"), unit("on")])).toBe("quorum");
    expect(nextTlsPhase("quorum", false, [unit("quorum"), unit("quorum")])).toBe("unify");
    expect(nextTlsPhase("unify", false, [unit("unify"), unit("unify")])).toBeUndefined();
    expect(nextTlsPhase(undefined, false, [unit("off")])).toBeUndefined();
  });

  it("counts a server that never said what it runs as plaintext; a new unit does not hold a step", () => {
    expect(
      nextTlsPhase(undefined, true, [unit("off"), { started: true, dying: false, tlsCertificate: "x" }]),
    ).toBe("unify");
    expect(nextTlsPhase("quorum", true, [unit("quorum"), unit("off", true, { started: false })])).toBe("on");
  });
});
