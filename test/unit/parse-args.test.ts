import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envVarFor, FLAGS } from '../../src/config/flags.js';
import { helpText } from '../../src/config/help.js';
import { ConfigError, parseArgs } from '../../src/config/parse-args.js';
import { EXPORTER_MAIN } from '../support/exporter.js';
import { configFrom } from '../support/in-process.js';

const execFileP = promisify(execFile);

describe('parseArgs', () => {
  it('has working defaults', () => {
    expect(configFrom([])).toEqual({
      listenHost: '',
      listenPort: 9839,
      telemetryPath: '/metrics',
      procfs: '/proc',
      sampleIntervalMs: 1000,
      fastIntervalMs: 200,
      peakWindowMs: 120_000,
      sourceTimeoutMs: 2000,
      sockDiag: true,
      ssPath: 'ss',
      synQueueEnabled: true,
      synQueueIntervalMs: 30_000,
      maxListeners: 2000,
      namespaces: 'self',
      processNames: false,
      logLevel: 'info',
      logFormat: 'json',
    });
  });

  it('takes --flag=value, --flag value, --no-flag; flags beat environment beats default', () => {
    const o = parseArgs(
      ['--sample.interval', '250ms', '--no-collector.syn-queue', '--web.listen-address=[::1]:9000'],
      { LISTENQ_SAMPLE_INTERVAL: '5s', LISTENQ_LOG_LEVEL: 'debug', LISTENQ_PEAK_WINDOW: '1m30s' },
    );
    expect(o.kind).toBe('run');
    if (o.kind !== 'run') return;
    expect(o.config).toMatchObject({
      sampleIntervalMs: 250,
      synQueueEnabled: false,
      listenHost: '::1',
      listenPort: 9000,
      logLevel: 'debug',
      peakWindowMs: 90_000,
    });
  });

  it('gives every flag an environment variable', () => {
    expect(envVarFor('web.listen-address')).toBe('LISTENQ_WEB_LISTEN_ADDRESS');
    expect(envVarFor('collector.syn-queue.interval')).toBe('LISTENQ_COLLECTOR_SYN_QUEUE_INTERVAL');
    for (const f of FLAGS) expect(helpText('x')).toContain(envVarFor(f.name));
  });

  it.each([
    [['--sample.interval=10ms'], /--sample\.interval/],
    [['--sample.interval=fast'], /--sample\.interval.*duration/],
    [['--log.level=loud'], /--log\.level.*debug, info, warn, error/],
    [['--web.listen-address=9839'], /--web\.listen-address/],
    [['--web.listen-address=:70000'], /--web\.listen-address/],
    [['--web.listen-address=a b:80'], /--web\.listen-address.*host must be an address or name/],
    [['--sample.interval=1x'], /--sample\.interval.*duration/],
    [['--sample.interval=1s5'], /--sample\.interval.*duration/],
    [['--web.telemetry-path=metrics'], /--web\.telemetry-path/],
    [['--web.telemetry-path=/healthz'], /--web\.telemetry-path/],
    [['--collector.syn-queue=maybe'], /--collector\.syn-queue/],
    [['--nope'], /unknown flag --nope/],
    [['--path.procfs'], /--path\.procfs needs a value/],
    [['positional'], /unexpected argument/],
    [['--log.level=info', '--log.level=warn'], /more than once/],
    [['--no-log.level'], /only boolean flags/],
  ])('%j is refused naming the flag', (argv, message) => {
    expect(() => parseArgs(argv, {})).toThrow(ConfigError);
    expect(() => parseArgs(argv, {})).toThrow(message);
  });

  it('refuses a bad environment value naming the variable and the flag', () => {
    expect(() => parseArgs([], { LISTENQ_SAMPLE_INTERVAL: 'x' })).toThrow(/LISTENQ_SAMPLE_INTERVAL \(--sample\.interval\)/);
  });
});

describe('the command line', () => {
  it('exits 2 with one line naming the bad flag, starting nothing', async () => {
    const err = await execFileP(process.execPath, [EXPORTER_MAIN, '--sample.interval=1ms']).catch((e: unknown) => e);
    const e = err as { code: number; stderr: string; stdout: string };
    expect(e.code).toBe(2);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    expect(e.stderr).toMatch(/--sample\.interval/);
    expect(e.stdout).toBe('');
  });

  it('lists every flag with --help and exits 0', async () => {
    const { stdout } = await execFileP(process.execPath, [EXPORTER_MAIN, '--help']);
    for (const f of FLAGS) expect(stdout).toContain(`--${f.name}`);
  });
});
