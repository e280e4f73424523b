/**
 * What the sampler is given to sample: network namespaces, each with its sources and the
 * labels that say where it lives. Declared here, below the sampler, so the providers in
 * this folder need nothing from it (the sampler imports this, never the other way).
 */
import type { KernelSources } from '../sources/kernel-sources.js';

/** A namespace to sample, as the provider sees it at this sample. */
export interface SampledNamespace {
  /** Stable identity across samples (per-socket state is kept under it). */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sources: KernelSources;
}

/** Asked at every full sample which namespaces exist now. */
export type NamespaceProvider = () => readonly SampledNamespace[];
