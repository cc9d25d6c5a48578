// SARIF 2.1.0 (OASIS, errata 01): one result per energy regression, at the functions whose energy moved most when
// profiles are attached (see profileHotspots.ts), else without a code location. Code scanning shows them as alerts.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EnergyComparison } from './energyComparison';
import { changeText, intervalText, pText, signedJoules } from './figures';
import { comparisonText } from './junit';
import type { Hotspot } from './profileHotspots';
import { formatEnergy } from '../energy/cost';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const RULE_ID = 'optivolt/energy-regression';
// CodeQL's own base id: what GitHub code scanning resolves against the repository's root.
const SRCROOT = '%SRCROOT%';

export interface SarifOptions {
  readonly toolVersion: string;
  /** Paths inside it are written relative to it (uriBaseId %SRCROOT%), as code scanning wants. */
  readonly root: string;
  /** By comparison name. */
  readonly hotspots?: ReadonlyMap<string, readonly Hotspot[]>;
}

function location(h: Hotspot, root: string): object {
  const rel = path.relative(root, h.file);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  const artifactLocation = inside
    ? { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT }
    : { uri: pathToFileURL(h.file).href };
  const moved = h.deltaJoules !== undefined ? `${signedJoules(h.deltaJoules)} self energy` : `${formatEnergy(h.afterJoules)} self energy`;
  return {
    physicalLocation: { artifactLocation, ...(h.line !== undefined ? { region: { startLine: h.line } } : {}) },
    logicalLocations: [{ name: h.name, kind: 'function' }],
    message: { text: `${h.name}: ${moved}` },
  };
}

export function sarifLog(comparisons: readonly EnergyComparison[], opts: SarifOptions): object {
  const results = comparisons
    .filter((c) => c.statistics.verdict === 'regression')
    .map((c) => {
      const s = c.statistics;
      const spots = opts.hotspots?.get(c.name) ?? [];
      const where = spots.length ? ` Moved most: ${spots.map((h) => h.name).join(', ')}.` : '';
      return {
        ruleId: RULE_ID,
        ruleIndex: 0,
        level: 'error',
        message: {
          text: `Energy regression in "${c.name}": ${changeText(s)}, 95% CI ${intervalText(s)}, ${pText(s.p)}.${where}`,
          markdown: comparisonText(c).replace(/\n/g, '  \n'),
        },
        ...(spots.length ? { locations: spots.map((h) => location(h, opts.root)) } : {}),
        partialFingerprints: { measurement: c.name },
        properties: {
          measurement: c.name,
          deltaJoules: s.differenceJoules,
          ...(s.differencePercent !== undefined ? { deltaPercent: s.differencePercent } : {}),
          ci95Joules: s.ci95Joules,
          p: s.p,
          ...(s.effect ? { hedgesG: s.effect.hedgesG } : {}),
          traps: c.traps.map((t) => t.id),
        },
      };
    });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'OptiVolt',
            version: opts.toolVersion,
            rules: [
              {
                id: RULE_ID,
                name: 'EnergyRegression',
                shortDescription: { text: 'The energy of a measured program rose beyond the threshold and the noise.' },
                fullDescription: {
                  text: 'optivolt compare found the mean energy of the after runs above the before runs by more than the threshold, with a 95% confidence interval of the change that excludes 0.',
                },
                defaultConfiguration: { level: 'error' },
              },
            ],
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(opts.root.endsWith(path.sep) ? opts.root : opts.root + path.sep).href } },
        results,
      },
    ],
  };
}
