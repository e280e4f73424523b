/**
 * Renders /metrics bodies. A body is rendered at most once per snapshot and format, then
 * served from memory: concurrent scrapers share one render, and no scrape touches the
 * kernel. Process metrics are therefore as fresh as the latest sample. The gzip form
 * (Prometheus asks for it) is made once per body too: at 1,000 sockets the text is about
 * 450 KiB and sending it, not making it, is what a busy scrape endpoint spends its time on.
 */
import { gzip } from 'node:zlib';
import type { Registry, RegistryContentType } from 'prom-client';
import type { Snapshot } from '../sampler/snapshot.js';
import type { MetricKey } from './catalog.js';
import { ListenerBlock } from './listener-block.js';
import type { ExpositionFormat } from './catalog.js';
import { buildRegistry, snapshotPoints, type StaticInfo } from './registry.js';
import type { Point } from './snapshot-metrics.js';

interface RenderedBody {
  readonly body: string;
  readonly contentType: string;
  /**
   * The body gzipped, made on first request and kept with it. Compressing runs on libuv's
   * thread pool: 450 KiB take a few milliseconds, which would otherwise stall every scrape
   * in flight.
   */
  gzipped(): Promise<Buffer>;
}

interface CacheEntry {
  readonly snap: Snapshot | undefined;
  readonly body: Promise<string>;
  gz?: Promise<Buffer>;
}

const EOF_MARKER = '# EOF\n';

export class Exposition {
  private points: { snap: Snapshot | undefined; values: Record<MetricKey, readonly Point[]> } | undefined;
  private readonly registries: Record<ExpositionFormat, Registry<RegistryContentType>>;
  private readonly cache = new Map<ExpositionFormat, CacheEntry>();
  private readonly block = new ListenerBlock();

  constructor(
    private readonly latest: () => Snapshot | undefined,
    private readonly info: StaticInfo,
  ) {
    const pointsNow = () => this.pointsFor(this.latest());
    this.registries = {
      prometheus: buildRegistry('prometheus', pointsNow),
      openmetrics: buildRegistry('openmetrics', pointsNow),
    };
  }

  render(format: ExpositionFormat): Promise<RenderedBody> {
    const snap = this.latest();
    let entry = this.cache.get(format);
    // Before the first sample there is nothing to share a render with.
    if (!entry || entry.snap !== snap || snap === undefined) {
      entry = { snap, body: this.renderBody(format, snap) };
      this.cache.set(format, entry);
      entry.body.catch(() => this.cache.delete(format));
    }
    const contentType = this.registries[format].contentType;
    const cached = entry;
    return cached.body.then((body) => ({ body, contentType, gzipped: () => (cached.gz ??= gzipAsync(body)) }));
  }

  private async renderBody(format: ExpositionFormat, snap: Snapshot | undefined): Promise<string> {
    const rest = await this.registries[format].metrics();
    const block = this.block.render(snap?.namespaces ?? [], format);
    if (format === 'openmetrics') return `${rest.slice(0, rest.length - EOF_MARKER.length)}${block}\n${EOF_MARKER}`;
    return `${rest}\n${block}\n`;
  }

  private pointsFor(snap: Snapshot | undefined): Record<MetricKey, readonly Point[]> {
    if (!this.points || this.points.snap !== snap || snap === undefined) {
      this.points = { snap, values: snapshotPoints(snap, this.info) };
    }
    return this.points.values;
  }
}

function gzipAsync(body: string): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
}
