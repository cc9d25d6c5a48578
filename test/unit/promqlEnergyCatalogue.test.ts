// Kepler 0.10+ and NVIDIA dcgm-exporter in the curated catalogue (names, types, units and labels as their
// sources at the tags named in catalogue.ts define them), and the warning on sums across Kepler's nested zones.
import * as assert from 'node:assert/strict';
import type { Matcher } from '../../src/server/promql/ast';
import { CATALOGUE } from '../../src/server/promql/catalogue';
import { metricMarkdown } from '../../src/server/promql/docs';
import { analyzeSyntax } from '../../src/server/promql/syntax';
import { zoneOverlapProblems, zonesOverlap, zonesSelected } from '../../src/server/promql/zoneOverlap';

describe('PromQL catalogue: Kepler 0.10+ and DCGM', () => {
  it('has Kepler 0.10+ node and workload series with their units and labels', () => {
    for (const level of ['node', 'process', 'container', 'pod', 'vm']) {
      const joules = CATALOGUE.get(`kepler_${level}_cpu_joules_total`);
      const watts = CATALOGUE.get(`kepler_${level}_cpu_watts`);
      assert.equal(joules?.type, 'counter', level);
      assert.equal(joules?.unit, 'joules', level);
      assert.equal(watts?.type, 'gauge', level);
      assert.equal(watts?.unit, 'watts', level);
      assert.ok(joules?.labels?.includes('zone') && joules.labels.includes('node_name'), level);
      if (level !== 'node') assert.ok(joules?.labels?.includes('state'), `${level}: running or terminated`);
    }
    for (const state of ['active', 'idle']) {
      assert.equal(CATALOGUE.get(`kepler_node_cpu_${state}_joules_total`)?.type, 'counter');
      assert.equal(CATALOGUE.get(`kepler_node_cpu_${state}_watts`)?.type, 'gauge');
    }
    assert.deepEqual(CATALOGUE.get('kepler_container_cpu_watts')?.labels, [
      'container_id',
      'container_name',
      'runtime',
      'state',
      'zone',
      'pod_id',
      'node_name',
    ]);
    assert.ok(CATALOGUE.get('kepler_pod_cpu_joules_total')?.labels?.includes('pod_namespace'));
    assert.ok(CATALOGUE.get('kepler_process_cpu_watts')?.labels?.includes('comm'));
  });

  it('has the DCGM power gauge (W) and energy counter (mJ), with how to read the millijoules', () => {
    const power = CATALOGUE.get('DCGM_FI_DEV_POWER_USAGE');
    const energy = CATALOGUE.get('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION');
    assert.equal(power?.type, 'gauge');
    assert.equal(power?.unit, 'watts');
    assert.equal(energy?.type, 'counter');
    assert.equal(energy?.unit, 'millijoules');
    assert.ok(energy?.labels?.includes('UUID') && energy.labels.includes('modelName'));
    assert.match(metricMarkdown(energy!), /rate\(…\[5m\]\) \/ 1e3` gives Watts/);
  });
});

describe('PromQL: sums across Kepler zones', () => {
  const warn = (q: string): string[] => {
    const { ast, error } = analyzeSyntax(q);
    assert.equal(error, undefined, q);
    return zoneOverlapProblems(ast!).map((p) => q.slice(p.from, p.to));
  };

  it('warns on a sum that adds nested zones together', () => {
    assert.deepEqual(warn('sum(rate(kepler_node_cpu_joules_total[5m]))'), ['kepler_node_cpu_joules_total']);
    assert.deepEqual(warn('sum by (pod_name) (kepler_pod_cpu_watts)'), ['kepler_pod_cpu_watts']);
    assert.deepEqual(warn('sum without (zone) (kepler_container_cpu_watts{zone=~"package|core"})'), [
      'kepler_container_cpu_watts{zone=~"package|core"}',
    ]);
    assert.deepEqual(warn('sum(kepler_node_cpu_watts{zone=~"package|uncore"})'), ['kepler_node_cpu_watts{zone=~"package|uncore"}']);
    assert.deepEqual(warn('sum(kepler_vm_cpu_watts{zone!="dram"})'), ['kepler_vm_cpu_watts{zone!="dram"}']);
    // The zones are kept by the inner aggregation but summed by the outer one.
    assert.deepEqual(warn('sum(max by (zone) (kepler_node_cpu_watts))'), ['kepler_node_cpu_watts']);
    const [p] = zoneOverlapProblems(analyzeSyntax('sum(kepler_node_cpu_watts)').ast!);
    assert.equal(p.code, 'zone-overlap');
    assert.equal(p.severity, 'warning');
    assert.match(p.message, /package includes core and uncore/);
  });

  it('is quiet when one zone, or zones that do not nest, are summed, or zone is kept', () => {
    for (const q of [
      'sum(rate(kepler_node_cpu_joules_total{zone="package"}[5m]))',
      'sum(kepler_pod_cpu_watts{zone=~"package|dram"})',
      'sum by (zone) (kepler_container_cpu_watts)',
      'sum without (pod_name) (kepler_pod_cpu_watts)',
      'max(kepler_node_cpu_watts)',
      'kepler_node_cpu_watts',
      'sum(kepler_node_cpu_usage_ratio)',
      'sum(kepler_container_joules_total)',
      'sum(scaph_host_power_microwatts)',
    ])
      assert.deepEqual(warn(q), [], q);
  });

  it('reads the zone matchers as Prometheus does (anchored regexes)', () => {
    const sel = (q: string): string[] => {
      const ast = analyzeSyntax(q).ast;
      assert.equal(ast?.kind, 'vector');
      return [...(zonesSelected(ast.kind === 'vector' ? ast.matchers : []) ?? [])];
    };
    assert.deepEqual(sel('m{zone=~"pack"}'), [], 'anchored: no partial match');
    assert.deepEqual(sel('m{zone=~"pack.*"}'), ['package']);
    assert.deepEqual(sel('m{zone!~"psys|dram"}'), ['package', 'core', 'uncore']);
    const broken: Matcher = { name: 'zone', op: '=~', value: '"("', quotedName: false, from: 0, to: 0 };
    assert.equal(zonesSelected([broken]), undefined, 'an unreadable regex: no verdict');
    assert.equal(zonesOverlap(new Set(['core', 'uncore', 'dram'])), false);
    assert.equal(zonesOverlap(new Set(['psys', 'dram'])), true);
  });
});
