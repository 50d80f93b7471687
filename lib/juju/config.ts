/**
 * Charm config, typed and validated against the declared options. An invalid value never throws:
 * it comes back as a problem naming the option and the rule, so the charm can go `blocked`.
 */

interface OptionBase<T> {
  readonly default: T;
  readonly description: string;
  /** Returns why `value` is not acceptable, or undefined when it is. */
  readonly check?: (value: T) => string | undefined;
}

export interface IntOption extends OptionBase<number> {
  readonly type: "int";
}
export interface FloatOption extends OptionBase<number> {
  readonly type: "float";
}
export interface StringOption extends OptionBase<string> {
  readonly type: "string";
}
export interface BooleanOption extends OptionBase<boolean> {
  readonly type: "boolean";
}

export type OptionSpec = IntOption | FloatOption | StringOption | BooleanOption;
export type ConfigSpec = Readonly<Record<string, OptionSpec>>;
export type ConfigValues<S extends ConfigSpec> = { readonly [K in keyof S]: S[K]["default"] };

export interface ConfigProblem {
  readonly option: string;
  readonly message: string;
}

export type ConfigResult<S extends ConfigSpec> =
  | { readonly ok: true; readonly values: ConfigValues<S> }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

function typeProblem(spec: OptionSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "int":
      // Juju accepts any int64; JSON numbers beyond 2^53 arrive rounded, so they are refused.
      if (Number.isInteger(value) && !Number.isSafeInteger(value))
        return `must be between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
      return Number.isInteger(value) ? undefined : "must be an integer";
    case "float":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "string":
      return typeof value === "string" ? undefined : "must be a string";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
  }
}

/** Validates `raw` (config-get output) against `spec`; unset options take their defaults. */
export function parseConfig<S extends ConfigSpec>(
  spec: S,
  raw: Readonly<Record<string, unknown>>,
): ConfigResult<S> {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [option, optionSpec] of Object.entries(spec)) {
    const value = raw[option] ?? optionSpec.default;
    const problem =
      typeProblem(optionSpec, value) ??
      (optionSpec.check as ((v: unknown) => string | undefined) | undefined)?.(value);
    if (problem === undefined) values[option] = value;
    else problems.push({ option, message: `${option} ${problem} (got ${JSON.stringify(value)})` });
  }
  return problems.length === 0 ? { ok: true, values: values as ConfigValues<S> } : { ok: false, problems };
}

/** The `config:` section charmcraft.yaml carries for `spec`, so the two cannot drift apart. */
export function declaredOptions(
  spec: ConfigSpec,
): Record<string, { type: string; default: unknown; description: string }> {
  return Object.fromEntries(
    Object.entries(spec).map(([name, option]) => [
      name,
      { type: option.type, default: option.default, description: option.description },
    ]),
  );
}
