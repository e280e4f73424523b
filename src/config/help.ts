/** `--help` text, generated from the flag table so it cannot drift. */
import { envVarFor, FLAGS } from './flags.js';

export function helpText(version: string): string {
  const lines = [
    `listenq-exporter ${version}: per-socket TCP listen-queue metrics for Prometheus`,
    '',
    'Usage: listenq-exporter [flags]',
    '',
    'Flags (each also settable by the environment variable shown):',
  ];
  for (const f of FLAGS) {
    const value = f.kind.type === 'boolean' ? '' : '=<value>';
    const neg = f.kind.type === 'boolean' ? ` (--no-${f.name} to disable)` : '';
    lines.push(`  --${f.name}${value}${neg}`);
    lines.push(`      ${f.help}`);
    lines.push(`      default: ${f.default}   env: ${envVarFor(f.name)}`);
  }
  lines.push('  --help      Show this help and exit.');
  lines.push('  --version   Print the version and exit.');
  return `${lines.join('\n')}\n`;
}
