/** The exporter's configuration, parsed once at start and passed down. */
export interface Config {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly telemetryPath: string;
  readonly procfs: string;
  readonly sampleIntervalMs: number;
  readonly fastIntervalMs: number;
  readonly peakWindowMs: number;
  readonly sourceTimeoutMs: number;
  readonly sockDiag: boolean;
  readonly ssPath: string;
  readonly synQueueEnabled: boolean;
  readonly synQueueIntervalMs: number;
  readonly maxListeners: number;
  readonly namespaces: 'self' | 'all';
  readonly processNames: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat: 'json' | 'logfmt';
  /** --web.config.file; absent: plain HTTP without auth. */
  readonly webConfigFile?: string;
}
