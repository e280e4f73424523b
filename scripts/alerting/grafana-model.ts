/**
 * A minimal typed builder for Grafana dashboard JSON: only the fields this dashboard uses,
 * with automatic grid layout so panels never overlap.
 */

/** Every panel and query uses the dashboard's datasource variable: no hard-coded UID. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  readonly expr: string;
  readonly legend?: string;
  /** Instant queries for tables, bar gauges and stats that show "now". */
  readonly instant?: boolean;
  readonly format?: 'time_series' | 'table';
}

export type PanelType = 'stat' | 'timeseries' | 'table' | 'bargauge';

export interface PanelSpec {
  readonly type: PanelType;
  readonly title: string;
  readonly description: string;
  readonly w: number;
  readonly h: number;
  readonly targets: readonly Target[];
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** Steps above the base (green) step, e.g. [[0.7, 'orange'], [0.9, 'red']]. */
  readonly steps?: ReadonlyArray<readonly [number, string]>;
  readonly options?: Record<string, unknown>;
  readonly transformations?: ReadonlyArray<Record<string, unknown>>;
  /** Draw the threshold steps as lines on time series. */
  readonly thresholdLines?: boolean;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const GRID_WIDTH = 24;

function fieldConfig(p: PanelSpec): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    unit: p.unit ?? 'short',
    thresholds: {
      mode: 'absolute',
      steps: [
        { color: 'green', value: null },
        ...(p.steps ?? []).map(([value, color]) => ({ color, value })),
      ],
    },
  };
  if (p.min !== undefined) defaults['min'] = p.min;
  if (p.max !== undefined) defaults['max'] = p.max;
  if (p.type === 'timeseries') {
    defaults['custom'] = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: 0,
      showPoints: 'never',
      spanNulls: false,
      thresholdsStyle: { mode: p.thresholdLines ? 'line' : 'off' },
    };
  }
  return { defaults, overrides: [] };
}

function defaultOptions(type: PanelType): Record<string, unknown> {
  switch (type) {
    case 'timeseries':
      return {
        legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['max', 'lastNotNull'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      };
    case 'stat':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'value',
        graphMode: 'area',
        textMode: 'auto',
      };
    case 'bargauge':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'horizontal',
        displayMode: 'gradient',
        showUnfilled: true,
      };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } };
  }
}

function target(t: Target, i: number): Record<string, unknown> {
  return {
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    instant: t.instant ?? false,
    range: !(t.instant ?? false),
    format: t.format ?? 'time_series',
    editorMode: 'code',
  };
}

/** Lays rows out top to bottom and panels left to right, wrapping at the grid width. */
export function layoutPanels(rows: readonly RowSpec[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const p of row.panels) {
      if (p.w > GRID_WIDTH) throw new Error(`panel ${p.title} is wider than the grid`);
      if (x + p.w > GRID_WIDTH) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      out.push({
        id: id++,
        type: p.type,
        title: p.title,
        description: p.description,
        datasource: DATASOURCE,
        gridPos: { h: p.h, w: p.w, x, y },
        fieldConfig: fieldConfig(p),
        options: { ...defaultOptions(p.type), ...(p.options ?? {}) },
        targets: p.targets.map(target),
        ...(p.transformations ? { transformations: p.transformations } : {}),
      });
      x += p.w;
      lineHeight = Math.max(lineHeight, p.h);
    }
    y += lineHeight;
  }
  return out;
}

/** A Prometheus query variable over label values, multi-select with an All option. */
export function labelVariable(name: string, label: string, query: string): Record<string, unknown> {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    options: [],
    sort: 1,
    hide: 0,
    regex: '',
  };
}
