/**
 * A status page rendered once per snapshot, with one gap for the sample's age: the age
 * grows while the snapshot stays the same (a stuck sampler is exactly when someone looks),
 * so it is filled in per request and everything else is shared.
 */
export class PageTemplate {
  constructor(
    private readonly before: string,
    private readonly after?: string,
  ) {}

  fill(age: string): string {
    return this.after === undefined ? this.before : this.before + age + this.after;
  }
}

/** What the page says about the exporter itself, fixed for its lifetime. */
export interface PageInfo {
  readonly version: string;
  readonly telemetryPath: string;
}

/** The age goes where this marker is; it cannot occur in escaped or printable output. */
export const AGE_GAP = '\u0000age\u0000';

export function templateOf(page: string): PageTemplate {
  const i = page.indexOf(AGE_GAP);
  return i < 0 ? new PageTemplate(page) : new PageTemplate(page.slice(0, i), page.slice(i + AGE_GAP.length));
}
