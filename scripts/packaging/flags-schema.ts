/**
 * The JSON schema of the chart's `flags` value, generated from the exporter's FLAGS table so
 * `helm install` rejects a misspelt or removed flag before a pod crash-loops on it.
 */
import { FLAGS, type FlagSpec } from '../../src/config/flags.js';

/** The exporter's duration syntax (src/config/duration.ts); ranges are left to the exporter. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d))+$';
export const LISTEN_ADDRESS_PATTERN = '^.*:[0-9]{1,5}$';

type Schema = Record<string, unknown>;

function valueSchema(spec: FlagSpec): Schema {
  // null or "" leave the flag out (see the chart's args helper), so both are always allowed.
  const unset: Schema[] = [{ type: 'null' }, { const: '' }];
  const k = spec.kind;
  let set: Schema;
  switch (k.type) {
    case 'string':
    case 'path':
      return { type: ['string', 'null'] };
    case 'boolean':
      set = { type: 'boolean' };
      break;
    case 'duration':
      set = { type: 'string', pattern: DURATION_PATTERN };
      break;
    case 'integer':
      set = { type: 'integer', minimum: k.min, maximum: k.max };
      break;
    case 'enum':
      set = { enum: [...k.values] };
      break;
    case 'listen-address':
      set = { type: 'string', pattern: LISTEN_ADDRESS_PATTERN };
      break;
  }
  return { anyOf: [set, ...unset] };
}

export function flagsSchema(): Schema {
  const properties: Record<string, Schema> = {};
  for (const f of FLAGS) {
    properties[f.name] = { description: `${f.help} Exporter default: ${f.default}.`, ...valueSchema(f) };
  }
  return {
    description: 'Exporter flags by name (generated from src/config/flags.ts by scripts/sync-chart.ts).',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}
