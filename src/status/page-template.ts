/**
 * A status page rendered once per snapshot, with gaps for the sample's age: the age
 * grows while the snapshot stays the same (a stuck sampler is exactly when someone looks),
 * so it is filled in per request and everything else is shared.
 */
export class PageTemplate {
  /** The page cut at each age gap. */
  constructor(private readonly parts: readonly string[]) {}

  fill(age: string): string {
    return this.parts.join(age);
  }
}

/** What the page says about the exporter itself, fixed for its lifetime. */
export interface PageInfo {
  readonly version: string;
  readonly telemetryPath: string;
}

/** The age goes where these markers are; NUL cannot occur in escaped or printable output. */
export const AGE_GAP = '\u0000age\u0000';

export function templateOf(page: string): PageTemplate {
  return new PageTemplate(page.split(AGE_GAP));
}
