/**
 * The PromQL queries of a Grafana dashboard (src/cos/grafana_dashboards), for tests: every target's
 * `expr`, panels of collapsed rows included, and a way to turn one into a query Prometheus accepts by
 * filling in the template variables the way Grafana would for one application.
 */

export interface DashboardQuery {
  /** The title of the panel the query belongs to. */
  readonly panel: string;
  readonly expr: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Every target expression of every panel, rows flattened (a collapsed row keeps its panels inside it). */
export function dashboardQueries(dashboard: unknown): { panel: string; expr: string }[] {
  if (!isRecord(dashboard)) throw new Error("a dashboard is a JSON object");
  const queries: DashboardQuery[] = [];
  const visit = (panels: unknown): void => {
    for (const panel of records(panels)) {
      const title = typeof panel.title === "string" ? panel.title : "";
      for (const target of records(panel.targets)) {
        if (typeof target.expr === "string" && target.expr.trim() !== "") {
          queries.push({ panel: title, expr: target.expr });
        }
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return queries;
}

const VARIABLE = (name: string): RegExp => new RegExp(`\\$(?:\\{${name}\\}|${name}(?![A-Za-z0-9_]))`, "g");

/**
 * The query as Grafana sends it with the model and application selected and every unit ("All", whose
 * value is the `.*` regex), a 1m rate interval, a 30s interval and a 5m range. The values go into
 * regex matchers as they are: Juju model and application names have no regex metacharacters.
 */
export function instantiate(expr: string, vars: { model: string; application: string }): string {
  const values: [string, string][] = [
    ["juju_model", vars.model],
    ["juju_application", vars.application],
    ["juju_unit", ".*"],
    ["__rate_interval", "1m"],
    ["__interval", "30s"],
    ["__range", "5m"],
  ];
  return values.reduce((query, [name, value]) => query.replace(VARIABLE(name), () => value), expr);
}
