// readSettings/estimateModel, and a drift check between DEFAULT_SETTINGS and package.json's contributions.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, estimateModel, OptiVoltSettings, readSettings } from '../../src/core/settings';
import { SOURCE_MODES } from '../../src/shared/power';

type Key = keyof OptiVoltSettings;

const from =
  (values: Partial<Record<Key, unknown>>) =>
  (k: Key): unknown =>
    values[k];

describe('settings', () => {
  describe('readSettings', () => {
    it('returns the defaults, without problems, when nothing is set', () => {
      const { settings, problems } = readSettings(() => undefined);
      assert.deepEqual(settings, DEFAULT_SETTINGS);
      assert.deepEqual(problems, []);
    });

    it('keeps valid values', () => {
      const values: Partial<Record<Key, unknown>> = {
        'power.source': 'rapl',
        refreshInterval: 500,
        'prometheus.url': 'https://prom.example.org:9443/prometheus',
        'power.powercapRoot': '/host/sys/class/powercap',
        'estimate.model': 'linear',
        'estimate.tdpWatts': 95,
        'estimate.idleWatts': 20,
        'estimate.maxWatts': 120,
        costPerKWh: 0.3,
        currency: 'USD',
        carbonIntensity: 56,
        'statusBar.enabled': false,
        'attribution.model': 'active-only',
        'debug.measure': 'ask',
      };
      const { settings, problems } = readSettings(from(values));
      assert.deepEqual(problems, []);
      for (const k of Object.keys(values) as Key[]) assert.deepEqual(settings[k], values[k], k);
      for (const k of Object.keys(DEFAULT_SETTINGS) as Key[]) if (!(k in values)) assert.deepEqual(settings[k], DEFAULT_SETTINGS[k], k);
    });

    const invalid: Array<[Key, unknown]> = [
      ['power.source', 'solar'],
      ['power.source', 3],
      ['refreshInterval', 100],
      ['refreshInterval', 1500.5],
      ['refreshInterval', '2000'],
      ['refreshInterval', 60001],
      ['refreshInterval', Number.NaN],
      ['prometheus.url', 'ftp://127.0.0.1:9090'],
      ['prometheus.url', 'not a url'],
      ['prometheus.url', 9090],
      ['grafana.url', 'ftp://127.0.0.1:3000'],
      ['grafana.url', 'http://admin:secret@127.0.0.1:3000'],
      ['grafana.url', 3000],
      ['power.powercapRoot', ''],
      ['power.powercapRoot', '   '],
      ['power.powercapRoot', 7],
      ['estimate.model', 'cubic'],
      ['estimate.tdpWatts', -1],
      ['estimate.tdpWatts', 2001],
      ['estimate.idleWatts', -5],
      ['estimate.idleWatts', null],
      ['estimate.maxWatts', 5001],
      ['costPerKWh', -0.1],
      ['costPerKWh', '0.2'],
      ['costPerKWh', Number.POSITIVE_INFINITY],
      ['currency', 'eur'],
      ['currency', 'EURO'],
      ['currency', '€'],
      ['currency', 978],
      ['carbonIntensity', -1],
      ['carbonIntensity', 2001],
      ['statusBar.enabled', 'yes'],
      ['statusBar.enabled', 1],
      ['attribution.model', 'kepler'],
      ['debug.measure', 'sometimes'],
      ['stack.services', ['grafana', 'bogus']],
      ['stack.images', { bogus: 'x' }],
      ['stack.images', { prometheus: '' }],
      ['stack.ports', { prometheus: 70000 }],
      ['stack.bind', 'localhost'],
      ['stack.pull', 'sometimes'],
      ['stack.exporterPort', 80],
      ['prometheus.retentionTime', '30 days'],
      ['prometheus.retentionSize', '10 gigs'],
      ['promql.version', '3'],
      ['promql.version', 'latest'],
      ['promql.version', '1.8.2'],
      ['promql.features', ['exemplar-storage']],
      ['promql.features', 'promql-duration-expr'],
    ];
    for (const [key, value] of invalid) {
      const label = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
      it(`optivolt.${key} = ${label} => default, one problem naming the setting`, () => {
        const { settings, problems } = readSettings(from({ [key]: value }));
        assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.ok(problems[0].startsWith(`optivolt.${key} `), problems[0]);
        assert.ok(problems[0].includes(`using ${JSON.stringify(DEFAULT_SETTINGS[key])}`), problems[0]);
        assert.deepEqual(settings, DEFAULT_SETTINGS);
      });
    }

    it('accepts a Prometheus version to check PromQL against (2.42, 3.5.3, v3.5), and the PromQL feature flags', () => {
      for (const version of ['2.42', '3.5.3', 'v3.5', '']) {
        const { settings, problems } = readSettings(
          from({ 'promql.version': version, 'promql.features': ['promql-experimental-functions'] }),
        );
        assert.deepEqual(problems, [], version);
        assert.equal(settings['promql.version'], version);
        assert.deepEqual(settings['promql.features'], ['promql-experimental-functions']);
      }
      assert.match(
        readSettings(from({ 'promql.version': '1.8' })).problems[0],
        /^optivolt\.promql\.version must be Prometheus 2\.0 or later/,
      );
    });

    it("accepts every attribution model the manifest offers, Scaphandre's 'capacity' included", () => {
      for (const model of ['share-all', 'active-only', 'capacity'] as const) {
        const { settings, problems } = readSettings(from({ 'attribution.model': model }));
        assert.deepEqual(problems, [], model);
        assert.equal(settings['attribution.model'], model);
      }
    });

    it('maxWatts below idleWatts => both idleWatts, with a problem naming both', () => {
      const { settings, problems } = readSettings(from({ 'estimate.idleWatts': 50, 'estimate.maxWatts': 30 }));
      assert.equal(settings['estimate.idleWatts'], 50);
      assert.equal(settings['estimate.maxWatts'], 50);
      assert.equal(problems.length, 1);
      assert.match(problems[0], /^optivolt\.estimate\.maxWatts \(30\) is below idleWatts \(50\)/);
    });

    it('an invalid idleWatts falls back first, then maxWatts is checked against the default', () => {
      const { settings, problems } = readSettings(from({ 'estimate.idleWatts': -1, 'estimate.maxWatts': 5 }));
      assert.equal(settings['estimate.idleWatts'], 10);
      assert.equal(settings['estimate.maxWatts'], 10);
      assert.equal(problems.length, 2);
    });
  });

  describe('estimateModel', () => {
    it('teads with automatic TDP sizes it from the CPU count', () => {
      const s = DEFAULT_SETTINGS;
      assert.deepEqual(estimateModel(s, 8), { kind: 'teads', tdpWatts: 80 });
      assert.deepEqual(estimateModel(s, 1), { kind: 'teads', tdpWatts: 15 });
      assert.deepEqual(estimateModel(s, 64), { kind: 'teads', tdpWatts: 250 });
    });
    it('teads with a set TDP ignores the CPU count', () => {
      assert.deepEqual(estimateModel({ ...DEFAULT_SETTINGS, 'estimate.tdpWatts': 95 }, 2), { kind: 'teads', tdpWatts: 95 });
    });
    it('linear uses idle and max Watts', () => {
      const s: OptiVoltSettings = { ...DEFAULT_SETTINGS, 'estimate.model': 'linear', 'estimate.idleWatts': 12, 'estimate.maxWatts': 80 };
      assert.deepEqual(estimateModel(s, 8), { kind: 'linear', idleWatts: 12, maxWatts: 80 });
    });
  });

  describe('package.json agrees with DEFAULT_SETTINGS', () => {
    interface Prop {
      type?: string;
      default?: unknown;
      minimum?: number;
      maximum?: number;
      enum?: string[];
    }
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
      contributes: {
        configuration: { properties: Record<string, Prop> };
        commands: Array<{ command: string; category?: string; title: string }>;
      };
    };
    const props = manifest.contributes.configuration.properties;
    const keys = Object.keys(DEFAULT_SETTINGS) as Key[];

    it('every setting is contributed with the same default', () => {
      for (const key of keys) {
        const p = props[`optivolt.${key}`];
        assert.ok(p, `optivolt.${key} missing from package.json`);
        assert.deepEqual(p.default, DEFAULT_SETTINGS[key], `default of optivolt.${key}`);
        const manifestType = p.type === 'integer' || p.type === 'number' ? 'number' : p.type === 'array' ? 'object' : p.type;
        assert.equal(manifestType, typeof DEFAULT_SETTINGS[key], `type of optivolt.${key}`);
      }
    });

    it('every contributed optivolt.* property is a known setting', () => {
      for (const name of Object.keys(props)) {
        assert.ok(name.startsWith('optivolt.'), name);
        assert.ok(name.slice('optivolt.'.length) in DEFAULT_SETTINGS, `${name} is not in DEFAULT_SETTINGS`);
      }
    });

    it("numeric settings declare a minimum, and the manifest's bounds match validation", () => {
      for (const key of keys) {
        const p = props[`optivolt.${key}`];
        if (p.type !== 'number' && p.type !== 'integer') continue;
        assert.equal(typeof p.minimum, 'number', `optivolt.${key} has no minimum`);
        // idle 0 / max 5000 so that the maxWatts >= idleWatts rule does not interfere with the bounds probed
        const check = (v: number): boolean =>
          readSettings(from({ 'estimate.idleWatts': 0, 'estimate.maxWatts': 5000, [key]: v })).problems.length === 0;
        assert.ok(check(p.minimum!), `optivolt.${key}: the manifest minimum ${p.minimum} is rejected`);
        assert.ok(!check(p.minimum! - 1), `optivolt.${key}: below the manifest minimum is accepted`);
        if (p.maximum !== undefined) {
          assert.ok(check(p.maximum), `optivolt.${key}: the manifest maximum ${p.maximum} is rejected`);
          assert.ok(!check(p.maximum + 1), `optivolt.${key}: above the manifest maximum is accepted`);
        }
        if (p.type === 'integer') assert.ok(!check(p.minimum! + 0.5), `optivolt.${key} is an integer setting`);
      }
    });

    it('string settings with fixed values declare them as an enum, exactly the accepted ones', () => {
      assert.deepEqual(props['optivolt.power.source'].enum, [...SOURCE_MODES]);
      assert.deepEqual(props['optivolt.estimate.model'].enum, ['teads', 'linear']);
      for (const key of keys) {
        const p = props[`optivolt.${key}`];
        if (p.type !== 'string') continue;
        // A fixed-values setting rejects an arbitrary word; free-form ones (paths, URLs, codes) have no enum.
        const rejectsWord = readSettings(from({ [key]: 'zz-not-a-value' })).problems.length > 0;
        // Free-form but formatted (codes, URLs, addresses, durations, sizes): validated by pattern, not an enum.
        const isCode = /currency|url|bind|retention|version/i.test(key);
        if (rejectsWord && !isCode) assert.ok(Array.isArray(p.enum), `optivolt.${key} has fixed values but no enum`);
        for (const v of p.enum ?? []) {
          assert.deepEqual(readSettings(from({ [key]: v })).problems, [], `optivolt.${key} enum value ${v} is rejected`);
        }
      }
    });

    it('every command is in the OptiVolt category with an optivolt. id', () => {
      assert.ok(manifest.contributes.commands.length > 0);
      for (const c of manifest.contributes.commands) {
        assert.equal(c.category, 'OptiVolt', c.command);
        assert.ok(c.command.startsWith('optivolt.'), c.command);
        assert.ok(c.title.trim().length > 0, c.command);
      }
    });
  });
});
