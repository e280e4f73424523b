/**
 * What a user can change when generating the alerting files (the monitoring mixins' `_config`):
 * where runbook links point and how the exporter's own scrape targets are found. The
 * committed files use the defaults; `scripts/generate-alerting.ts --runbook-url=... \
 * --exporter-selector=... --out=DIR` writes a variant, and the Helm chart substitutes its
 * `prometheusRule.runbookBaseUrl` and `prometheusRule.exporterSelector` values for the
 * defaults (see chart-defaults.ts).
 */

export interface AlertingConfig {
  /**
   * Every runbook_url is `<runbookBase>#<alert name, lowercased>`: the anchors of the
   * `### Name` headings of docs/alerts-runbook.md, which README.md also carries.
   */
  readonly runbookBase: string;
  /**
   * Label matchers (the text between `{}`) that select the exporter's targets in `up`,
   * which carries no listenq_ metric to recognise them by. Like the mixins'
   * `nodeExporterSelector: 'job="node"'`: an exact job, never a name regex.
   */
  readonly exporterSelector: string;
}

/**
 * The runbook as a path relative to the repository root: it resolves on the repository's
 * web view and in any checkout, which no guessed host name does. Deployments set their own
 * absolute base (the chart's prometheusRule.runbookBaseUrl).
 */
const DEFAULT_RUNBOOK_BASE = 'docs/alerts-runbook.md';

/** The job the chart's ServiceMonitor and PodMonitor produce and the README's scrape config uses. */
const DEFAULT_EXPORTER_SELECTOR = 'job="listenq-exporter"';

export const DEFAULT_CONFIG: AlertingConfig = {
  runbookBase: DEFAULT_RUNBOOK_BASE,
  exporterSelector: DEFAULT_EXPORTER_SELECTOR,
};

/** A selector must be matchers only: braces or a newline would break the rule around it. */
export function checkSelector(selector: string): string {
  if (selector.trim() === '' || /[{}\n]/.test(selector)) {
    throw new Error(`exporter selector must be label matchers such as job="listenq-exporter", got ${JSON.stringify(selector)}`);
  }
  return selector;
}

/** GitHub's anchor for a `### Name` heading whose text is a plain identifier. */
export function runbookUrl(cfg: AlertingConfig, alertName: string): string {
  return `${cfg.runbookBase}#${alertName.toLowerCase()}`;
}
