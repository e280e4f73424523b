/**
 * prom-client metrics whose values are read from the latest snapshot at collect time,
 * like node_exporter's const metrics: no state of their own, so no stale series, and
 * kernel counters carry the kernel's own value (never reset() + inc()).
 */
import { Counter, Gauge, type LabelValues, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { MetricSpec } from './catalog.js';

export interface Point {
  readonly labels: LabelValues<string>;
  readonly value: number;
}

type PointSource = () => readonly Point[];

class SnapshotGauge extends Gauge<string> {
  constructor(
    spec: MetricSpec,
    private readonly points: PointSource,
  ) {
    super({ name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [] });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
    return { ...(await super.get()), values: [...this.points()] };
  }
}

class SnapshotCounter extends Counter<string> {
  constructor(
    spec: MetricSpec,
    private readonly points: PointSource,
  ) {
    super({ name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [] });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
    return { ...(await super.get()), values: [...this.points()] };
  }
}

export function snapshotMetric(spec: MetricSpec, points: PointSource): SnapshotGauge | SnapshotCounter {
  return spec.type === 'counter' ? new SnapshotCounter(spec, points) : new SnapshotGauge(spec, points);
}
