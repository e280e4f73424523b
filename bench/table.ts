/**
 * A benchmark's one table. Every row is declared up front, so a section that fails still
 * prints its rows (marked ERROR) and the smoke test can check that every row is there.
 */

export type Verdict = 'met' | 'missed' | 'info' | 'ERROR' | 'not reached';

export interface Row {
  readonly id: string;
  what: string;
  ours: string;
  ref: string;
  ratio: string;
  target: string;
  verdict: Verdict;
  note?: string;
}

/** `npm run bench`'s row ids in print order; the smoke test asserts each is present. */
export const ROW_IDS = [
  '1a', '1b', '1c', '1d', '1e', '1f', '1g', '1h', '1i',
  '2a', '2b', '2c', '2d',
  '3a', '3b', '3c',
  '4a', '4b', '4c',
  '5a', '5b',
  '6a', '6b', '6c', '6d',
  '7a',
] as const;

export type RowId = (typeof ROW_IDS)[number];

export class Table<Id extends string = RowId> {
  private readonly rows = new Map<Id, Row>();

  constructor(private readonly ids: readonly Id[]) {
    for (const id of ids) {
      this.rows.set(id, { id, what: '', ours: '-', ref: '-', ratio: '-', target: '-', verdict: 'ERROR', note: 'not run' });
    }
  }

  private row(id: Id): Row {
    const r = this.rows.get(id);
    if (!r) throw new Error(`no row ${id} in this table`);
    return r;
  }

  set(id: Id, r: Omit<Row, 'id'>): void {
    this.row(id);
    this.rows.set(id, { id, ...r });
  }

  /** Marks rows of a failed section; keeps their description. */
  fail(ids: readonly Id[], err: unknown): void {
    const msg = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 160);
    for (const id of ids) {
      const r = this.row(id);
      if (r.verdict === 'ERROR' || r.ours === '-') this.rows.set(id, { ...r, verdict: 'ERROR', note: msg });
    }
  }

  errors(): Row[] {
    return [...this.rows.values()].filter((r) => r.verdict === 'ERROR');
  }

  render(): string {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const lines = [
      '| # | measurement | ours (median) | reference (median) | ratio | target | result |',
      '|---|---|---|---|---|---|---|',
    ];
    for (const id of this.ids) {
      const r = this.row(id);
      const result = r.note ? `${r.verdict}: ${r.note}` : r.verdict;
      lines.push(`| ${[r.id, r.what, r.ours, r.ref, r.ratio, r.target, result].map(esc).join(' | ')} |`);
    }
    return lines.join('\n');
  }
}

export const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms` : 'n/a');
export const fmtX = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
export const fmtPct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%` : 'n/a');
export const fmtMiB = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} MiB` : 'n/a');
export const fmtInt = (n: number) => n.toLocaleString('en-US');

export const verdict = (ok: boolean): Verdict => (ok ? 'met' : 'missed');
export const fmtS = (s: number) => (s >= 60 && s % 60 === 0 ? `min ${s / 60}` : `${s} s`);
