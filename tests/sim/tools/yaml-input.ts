/**
 * `goyaml.Unmarshal(data, &map[string]string{})` as relation-set / state-set / secret-add `--file`
 * use it: a YAML (or JSON) mapping whose scalar values are taken as their text (`a: 5` → "5",
 * `a: null` and `a:` → "", quoted scalars unquoted); nested collections are unmarshal errors.
 */
import { isMap, isScalar, isSeq, parseDocument } from "yaml";

function scalarText(node: unknown): string {
  if (!isScalar(node)) return "";
  if (node.type === "PLAIN") {
    const source = (node as { source?: string }).source ?? String(node.value ?? "");
    return ["~", "null", "Null", "NULL", ""].includes(source) ? "" : source;
  }
  return node.value === null || node.value === undefined ? "" : String(node.value);
}

function kindOf(node: unknown): string {
  if (isMap(node)) return "!!map";
  if (isSeq(node)) return "!!seq";
  return "!!str";
}

export function parseStringMap(text: string): Record<string, string> {
  const doc = parseDocument(text, { version: "1.1", uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0];
  if (first) throw new Error(`yaml: ${first.message.split("\n")[0]}`);
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && scalarText(contents) === "")) return {};
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] }).range;
    if (!range) return 1;
    return text.slice(0, range[0]).split("\n").length;
  };
  if (!isMap(contents)) {
    const what = isScalar(contents) ? `!!str \`${scalarText(contents)}\`` : kindOf(contents);
    throw new Error(
      `yaml: unmarshal errors:\n  line ${lineOf(contents)}: cannot unmarshal ${what} into map[string]string`,
    );
  }
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of contents.items) {
    const key = scalarText(pair.key);
    if (pair.value !== null && !isScalar(pair.value)) {
      problems.push(`  line ${lineOf(pair.value)}: cannot unmarshal ${kindOf(pair.value)} into string`);
      continue;
    }
    out[key] = scalarText(pair.value);
  }
  if (problems.length > 0) throw new Error(`yaml: unmarshal errors:\n${problems.join("\n")}`);
  return out;
}
