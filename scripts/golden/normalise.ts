/**
 * What varies from run to run in the exporter's /metrics, taken out deterministically as
 * node_exporter's end-to-end-test.sh does (it drops go_*, process_* and build info):
 *
 * - the runtime's own families (`process_*`, `nodejs_*`): memory, CPU, handles, GC;
 * - `listenq_host_info`: the host's name, kernel and OS, read in the background at start,
 *   so even its presence in the first scrape is a race;
 * - values that are clock readings (`listenq_last_sample_timestamp_seconds`,
 *   `listenq_source_duration_seconds`): the series stay, their values become `<varies>`;
 * - the labels of `listenq_build_info`: the Node.js that runs the test, and the package
 *   version, which a release bumps without any change in output.
 *
 * Everything else is compared byte for byte, HELP and TYPE lines included. The same rules
 * serve both formats: the Prometheus text format ends each family with a blank line,
 * OpenMetrics has none and ends with `# EOF`.
 */

const DROPPED_FAMILIES = /^(process_|nodejs_|listenq_host_info\b)/;
const CLOCK_VALUES = new Set(['listenq_last_sample_timestamp_seconds', 'listenq_source_duration_seconds']);

/** The metric name a line is about: its sample name, or the name after `# HELP`, `# TYPE` or `# UNIT`. */
function nameOf(line: string): string {
  const m = /^(?:# (?:HELP|TYPE|UNIT) )?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  return m?.[1] ?? '';
}

export function normaliseMetrics(body: string): string {
  const out: string[] = [];
  // A family is its lines up to the blank line that ends it; a dropped one goes with it.
  let dropping = false;
  for (const line of body.split('\n')) {
    if (line === '') {
      if (!dropping) out.push(line);
      dropping = false;
      continue;
    }
    const name = nameOf(line);
    if (DROPPED_FAMILIES.test(name)) {
      dropping = true;
      continue;
    }
    if (line.startsWith('#')) {
      out.push(line);
    } else if (CLOCK_VALUES.has(name)) {
      out.push(line.replace(/ \S+$/, ' <varies>'));
    } else if (name === 'listenq_build_info') {
      out.push(line.replace(/(version|nodejs)="[^"]*"/g, '$1="<varies>"'));
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}
