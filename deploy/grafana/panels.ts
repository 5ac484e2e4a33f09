/**
 * A small builder of Grafana dashboard JSON (schema 39, Grafana 10/11): rows, time series, stats and
 * text panels laid out on the 24-column grid, every query on the `$datasource` variable so the
 * dashboards import into any Grafana whatever its Prometheus data source is called.
 */

export interface Target {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly targets: readonly Target[];
  /** Grafana unit id: short, ops, Bps, bytes, ms, s, percentunit, none. */
  readonly unit: string;
  readonly kind?: 'timeseries' | 'stat';
  /** Grid width (of 24); default 12. */
  readonly width?: number;
  readonly stack?: boolean;
  /** Stat panels: value mappings for 0/1 gauges. */
  readonly booleanText?: readonly [string, string];
}

export interface TextSpec {
  readonly title: string;
  readonly markdown: string;
  readonly width?: number;
}

export type Block = { readonly row: string } | { readonly panel: PanelSpec } | { readonly text: TextSpec };

export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  /** PromQL `label_values(...)` query. */
  readonly query: string;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableSpec[];
  readonly blocks: readonly Block[];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const PANEL_HEIGHT = 8;
const TEXT_HEIGHT = 4;

type Json = Record<string, unknown>;

/** Places blocks left to right, wrapping at 24 columns; a row header always starts a new line. */
export function dashboard(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const place = (width: number, height: number): Json => {
    if (x + width > 24) {
      x = 0;
      y += lineHeight;
      lineHeight = 0;
    }
    const grid = { h: height, w: width, x, y };
    x += width;
    lineHeight = Math.max(lineHeight, height);
    return grid;
  };
  for (const block of spec.blocks) {
    const id = panels.length + 1;
    if ('row' in block) {
      if (x > 0) place(24, 0);
      panels.push({ id, type: 'row', title: block.row, collapsed: false, panels: [], gridPos: place(24, 1) });
    } else if ('text' in block) {
      panels.push({
        id,
        type: 'text',
        title: block.text.title,
        gridPos: place(block.text.width ?? 24, TEXT_HEIGHT),
        options: { mode: 'markdown', content: block.text.markdown },
      });
    } else {
      panels.push(panel(id, block.panel, place(block.panel.width ?? 12, PANEL_HEIGHT)));
    }
  }
  return {
    // null: Grafana assigns its own id on import or provisioning.
    id: null,
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    timezone: '',
    annotations: { list: [] },
    links: [],
    templating: { list: [datasourceVariable(), ...spec.variables.map(queryVariable)] },
    panels,
  };
}

function panel(id: number, spec: PanelSpec, gridPos: Json): Json {
  const kind = spec.kind ?? 'timeseries';
  const targets = spec.targets.map((t, i) => ({
    datasource: DATASOURCE,
    refId: String.fromCharCode(65 + i),
    expr: t.expr,
    legendFormat: t.legend,
    range: true,
    instant: false,
  }));
  const defaults: Json = { unit: spec.unit };
  if (kind === 'timeseries') {
    defaults['custom'] = { drawStyle: 'line', lineWidth: 1, fillOpacity: spec.stack ? 30 : 10, showPoints: 'never', stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' } };
  }
  if (spec.booleanText !== undefined) {
    defaults['mappings'] = [{ type: 'value', options: { '0': { text: spec.booleanText[0], color: 'red' }, '1': { text: spec.booleanText[1], color: 'green' } } }];
  }
  const options: Json =
    kind === 'stat'
      ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } };
  return { id, type: kind, title: spec.title, description: spec.description, datasource: DATASOURCE, gridPos, fieldConfig: { defaults, overrides: [] }, options, targets };
}

function datasourceVariable(): Json {
  return { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', includeAll: false, multi: false };
}

function queryVariable(v: VariableSpec): Json {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DATASOURCE,
    query: v.query,
    definition: v.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: {},
    hide: 0,
    sort: 1,
    regex: '',
  };
}
