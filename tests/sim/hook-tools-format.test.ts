/**
 * juju/cmd formatters and gnuflag parsing, as the emulated hook tools use them.
 */
import { describe, expect, it } from "vitest";
import { FlagSet } from "./tools/flags";
import {
  formatJson,
  formatSmart,
  formatYaml,
  GoStruct,
  GoTime,
  goQuote,
  goQuoteList,
  StringSlice,
} from "./tools/go-value";

describe("FormatJson (json.Marshal + newline)", () => {
  it("sorts map keys at every level and keeps struct field order", () => {
    const value = {
      zeta: { b: "2", a: "1" },
      alpha: [{ y: 1, x: true }],
      mid: new GoStruct([
        ["revision", 3],
        ["label", "zk"],
        ["owner", "application"],
      ]),
    };
    expect(formatJson(value)).toBe(
      '{"alpha":[{"x":true,"y":1}],"mid":{"revision":3,"label":"zk","owner":"application"},"zeta":{"a":"1","b":"2"}}\n',
    );
  });

  it("prints nil as null, a nil slice as null and an empty slice as []", () => {
    expect(formatJson(null)).toBe("null\n");
    expect(formatJson(new StringSlice(null))).toBe("null\n");
    expect(formatJson(new StringSlice([]))).toBe("[]\n");
  });

  it("escapes like encoding/json, including the HTML-safe escapes", () => {
    expect(formatJson('a<b>&"c"\n\u0001\u2028')).toBe('"a\\u003cb\\u003e\\u0026\\"c\\"\\n\\u0001\\u2028"\n');
  });

  it("formats numbers as Go does", () => {
    expect(formatJson({ a: 2000, b: 0.5, c: 1e21, d: 1e-7 })).toBe('{"a":2000,"b":0.5,"c":1e+21,"d":1e-7}\n');
  });

  it('omits json:"-" fields of a struct', () => {
    expect(
      formatJson(
        new GoStruct(
          [
            ["value", "x"],
            ["address", "x"],
          ],
          new Set(["address"]),
        ),
      ),
    ).toBe('{"value":"x"}\n');
  });

  it("prints times quoted", () => {
    expect(formatJson(new GoTime("2025-01-01T00:00:00Z"))).toBe('"2025-01-01T00:00:00Z"\n');
  });
});

describe("FormatSmart", () => {
  it("prints strings raw, string slices one per line and bools as True/False", () => {
    expect(formatSmart("active")).toBe("active\n");
    expect(formatSmart(new StringSlice(["cluster:0", "cluster:1"]))).toBe("cluster:0\ncluster:1\n");
    expect(formatSmart(true)).toBe("True\n");
    expect(formatSmart(false)).toBe("False\n");
  });

  it("prints nothing for nil, the empty string and empty or nil slices", () => {
    expect(formatSmart(null)).toBe("");
    expect(formatSmart("")).toBe("");
    expect(formatSmart(new StringSlice([]))).toBe("");
    expect(formatSmart(new StringSlice(null))).toBe("");
  });

  it("falls back to YAML for maps and numbers", () => {
    expect(formatSmart({ b: "2", a: "1" })).toBe('a: "1"\nb: "2"\n');
    expect(formatSmart(5)).toBe("5\n");
  });
});

describe("FormatYaml (goyaml v2)", () => {
  it("sorts map keys, keeps struct order and does not indent sequences", () => {
    const value = {
      units: {
        "zookeeper/1": new GoStruct([["status", "active"]]),
        "zookeeper/0": new GoStruct([["status", "x"]]),
      },
      list: new StringSlice(["a", "b"]),
    };
    expect(formatYaml(value)).toBe(
      "list:\n- a\n- b\nunits:\n  zookeeper/0:\n    status: x\n  zookeeper/1:\n    status: active\n",
    );
  });

  it("double-quotes strings that YAML 1.1 would read as another type", () => {
    expect(formatYaml({ a: "yes", b: "123", c: "", d: "1.5", e: "null", f: "on", g: "2025-01-01" })).toBe(
      'a: "yes"\nb: "123"\nc: ""\nd: "1.5"\ne: "null"\nf: "on"\ng: "2025-01-01"\n',
    );
  });

  it("uses literal blocks for multi-line strings and single quotes for syntax", () => {
    expect(formatYaml({ a: "line1\nline2", b: "a: b", c: "- x" })).toBe(
      "a: |-\n  line1\n  line2\nb: 'a: b'\nc: '- x'\n",
    );
  });

  it("prints nothing for nil, [] for a nil slice and {} for an empty map", () => {
    expect(formatYaml(null)).toBe("");
    expect(formatYaml(new StringSlice(null))).toBe("[]\n");
    expect(formatYaml({})).toBe("{}\n");
  });

  it("prints times plain", () => {
    expect(formatYaml({ expiry: new GoTime("2025-01-01T00:00:00Z") })).toBe("expiry: 2025-01-01T00:00:00Z\n");
  });
});

describe("fmt %q", () => {
  it("quotes like strconv.Quote", () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote("tab\there\n")).toBe('"tab\\there\\n"');
    expect(goQuote("\u0001é")).toBe('"\\x01é"');
    expect(goQuoteList(["x", "y z"])).toBe('["x" "y z"]');
  });
});

describe("gnuflag", () => {
  function flagSet() {
    const flags = new FlagSet("tool");
    return {
      flags,
      app: flags.bool(["app"], ""),
      all: flags.bool(["a", "all"], ""),
      verbose: flags.bool(["v"], ""),
      relation: flags.string(["r", "relation"], ""),
      format: flags.string(["format"], "", "smart"),
      revision: flags.int(["revision"], ""),
    };
  }

  it("accepts long and short flags with separate or attached values, interspersed with args", () => {
    const f = flagSet();
    expect(f.flags.parse(["x", "--format", "json", "-r", "7", "y", "--revision=0x10"])).toEqual(["x", "y"]);
    expect([f.format.value, f.relation.value, f.revision.value]).toEqual(["json", "7", 16]);
  });

  it("keeps the '=' of a short flag's attached value, as gnuflag does", () => {
    const f = flagSet();
    f.flags.parse(["-r=3"]);
    expect(f.relation.value).toBe("=3");
    const g = flagSet();
    g.flags.parse(["-rcluster:3"]);
    expect(g.relation.value).toBe("cluster:3");
  });

  it("parses boolean forms and combined short booleans", () => {
    const f = flagSet();
    f.flags.parse(["--app=False", "-av"]);
    expect([f.app.value, f.all.value, f.verbose.value]).toEqual([false, true, true]);
    const g = flagSet();
    g.flags.parse(["--app=1"]);
    expect(g.app.value).toBe(true);
    expect(() => flagSet().flags.parse(["--app=maybe"])).toThrow(
      'invalid value "maybe" for flag --app: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
  });

  it("stops at -- and treats - and empty strings as positional", () => {
    const f = flagSet();
    expect(f.flags.parse(["-", "", "--", "--app", "-r"])).toEqual(["-", "", "--app", "-r"]);
    expect(f.app.value).toBe(false);
  });

  it("rejects unknown flags and missing values with Go's texts", () => {
    expect(() => flagSet().flags.parse(["--foo"])).toThrow("flag provided but not defined: --foo");
    expect(() => flagSet().flags.parse(["-x"])).toThrow("flag provided but not defined: -x");
    expect(() => flagSet().flags.parse(["-r"])).toThrow("flag needs an argument: -r");
    expect(() => flagSet().flags.parse(["--=x"])).toThrow('empty flag in argument "--=x"');
    expect(() => flagSet().flags.parse(["--revision", "x"])).toThrow(
      'invalid value "x" for flag --revision: strconv.ParseInt: parsing "x": invalid syntax',
    );
  });
});
