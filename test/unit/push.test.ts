// Pushing results to the team's engine, the parts that need no engine: who pushed (CI variables, git in a temp
// repository, credentials never in a label), the URLs (Pushgateway grouping keys base64url-encoded, remote write),
// the text format, the WriteRequest bytes, and the CLI's usage errors and failed-push exit code (a closed port).
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as snappy from 'snappyjs';
import { encodeWriteRequest, expositionText, writeRequestBody } from '../../src/core/push/pushFormat';
import { pushIdentity, repositoryName } from '../../src/core/push/pushIdentity';
import { profileSamples, resultSamples } from '../../src/core/push/pushResults';
import { groupingUrl, pushgatewayTarget, remoteWriteTarget } from '../../src/core/push/pushTargets';
import type { EnergyProfile } from '../../src/shared/energyProfile';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

describe('push: history across machines (no engine)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-push-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names a repository from its remote without credentials', () => {
    assert.equal(repositoryName('https://ci:s3cret@github.com/team/app.git'), 'github.com/team/app');
    assert.equal(repositoryName('git@gitlab.example:group/sub/app.git'), 'gitlab.example/group/sub/app');
    assert.equal(repositoryName('ssh://git@host:2222/team/app'), 'host:2222/team/app');
  });

  it('takes the identity from CI variables first, then from git in the working folder', () => {
    execFileSync('git', ['init', '-q', '-b', 'feature/y', dir]);
    execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'https://u:tok@example.org/team/app.git']);
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x']);
    const head = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const fromGit = pushIdentity('s', dir, {});
    assert.deepEqual(fromGit, { repository: 'example.org/team/app', branch: 'feature/y', commit: head, session: 's', host: os.hostname() });
    const gh = pushIdentity('s', dir, { GITHUB_SHA: 'abc', GITHUB_REF_NAME: '12/merge', GITHUB_HEAD_REF: 'fix', GITHUB_REPOSITORY: 'o/r' });
    assert.deepEqual([gh.repository, gh.branch, gh.commit], ['github.com/o/r', 'fix', 'abc']);
    const gl = pushIdentity('s', dir, { CI_COMMIT_SHA: 'def', CI_COMMIT_REF_NAME: 'main', CI_PROJECT_URL: 'https://gitlab.example/g/p' });
    assert.deepEqual([gl.repository, gl.branch, gl.commit], ['gitlab.example/g/p', 'main', 'def']);
  });

  it('outside git and CI every unknown label says so, and long names are clipped', () => {
    const id = pushIdentity('x'.repeat(500), dir, {});
    assert.deepEqual([id.repository, id.branch, id.commit], ['unknown', 'unknown', 'unknown']);
    assert.equal(id.session.length, 200);
  });

  it('Pushgateway URLs: the group of one result, values base64url-encoded', () => {
    const t = pushgatewayTarget('pushgateway://gw:9091');
    assert.equal(t.url.href, 'http://gw:9091/');
    const url = groupingUrl(t.url, { branch: 'feature/x', commit: '' });
    assert.equal(
      url,
      `http://gw:9091/metrics/job/optivolt/branch@base64/${Buffer.from('feature/x').toString('base64url')}/commit@base64/=`,
    );
    assert.equal(
      groupingUrl(pushgatewayTarget('http://gw:9091/metrics/job/ci/team/a').url, { kind: 'measure' }),
      'http://gw:9091/metrics/job/ci/team/a/kind@base64/bWVhc3VyZQ',
    );
    assert.throws(() => pushgatewayTarget('http://p:9090/api/v1/write'), /use --push-remote-write/);
    assert.throws(() => pushgatewayTarget('http://gw:9091/somewhere'), /\/metrics\/job\/NAME/);
    assert.throws(() => pushgatewayTarget('ftp://gw'), /http\(s\) URL/);
    assert.throws(() => pushgatewayTarget('http://u:p@gw:9091'), /credentials/);
    assert.throws(() => remoteWriteTarget('http://p:9090'), /full path, e\.g\. http:\/\/p:9090\/api\/v1\/write/);
    assert.equal(remoteWriteTarget('http://p:9090/api/v1/write').kind, 'remote-write');
  });

  it('writes the text format with escaped label values, one HELP/TYPE per name', () => {
    const text = expositionText([
      { name: 'm', help: 'a\nb', labels: { function: 'f "q" \\ x\ny' }, value: 1.5 },
      { name: 'm', help: 'a\nb', labels: { function: 'g' }, value: Number.POSITIVE_INFINITY },
      { name: 'n', help: 'h', labels: {}, value: Number.NaN },
    ]);
    assert.equal(
      text,
      '# HELP m a\\nb\n# TYPE m gauge\nm{function="f \\"q\\" \\\\ x\\ny"} 1.5\nm{function="g"} +Inf\n# HELP n h\n# TYPE n gauge\nn NaN\n',
    );
  });

  it('encodes a WriteRequest byte for byte (sorted labels, fixed64 value, varint timestamp) and snappy-compresses it', () => {
    const bytes = encodeWriteRequest([{ name: 'm', help: '', labels: { b: 'y', a: 'x' }, value: 1 }], 1000);
    const label = (k: string, v: string) => [
      0x0a,
      2 + k.length + 2 + v.length,
      0x0a,
      k.length,
      ...Buffer.from(k),
      0x12,
      v.length,
      ...Buffer.from(v),
    ];
    const sample = [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07];
    const series = [...label('__name__', 'm'), ...label('a', 'x'), ...label('b', 'y'), 0x12, sample.length, ...sample];
    assert.deepEqual([...bytes], [0x0a, series.length, ...series]);
    const body = writeRequestBody([{ name: 'm', help: '', labels: { b: 'y', a: 'x' }, value: 1 }], 1000);
    assert.deepEqual([...snappy.uncompress(body)], [...bytes]);
  });

  it("bounds a profile's series: top N functions by label, the rest as (other), summing same-named ones", () => {
    const f = (name: string, file: string, selfJoules: number) => ({
      name,
      file,
      line: 3,
      selfJoules,
      totalJoules: selfJoules,
      share: 0,
      samples: 1,
    });
    const p = {
      totalJoules: 10,
      durationSeconds: 2,
      source: 'estimate',
      estimated: true,
      runs: 1,
      functions: [f('a', '/x/one.js', 4), f('a', '/y/one.js', 3), f('b', '/x/two.js', 2), f('c', '/x/two.js', 1)],
    } as unknown as EnergyProfile;
    const fns = profileSamples(p, 0, 3, 0).filter((s) => s.name === 'optivolt_function_self_energy_joules');
    assert.deepEqual(
      fns.map((s) => [s.labels.function, s.value]),
      [
        ['a (one.js)', 7],
        ['b (two.js)', 2],
        ['(other)', 1],
      ],
    );
    const names = resultSamples({ energyJoules: 1, durationSeconds: 1, source: 'rapl', estimated: false, exitCode: 0, runs: 1 }, 5000).map(
      (s) => s.name,
    );
    assert.ok(!names.includes('optivolt_energy_joules_stddev') && names.includes('optivolt_result_timestamp_seconds'));
  });

  it('the CLI refuses bad push flags before running anything', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20000 });
    const cases: Array<[string[], RegExp]> = [
      [['measure', '--push', 'http://p:9090/api/v1/write', '--', 'true'], /use --push-remote-write/],
      [['measure', '--push-name', 'x', '--', 'true'], /--push-name names what --push/],
      [['profile', '--push-top', '5', '--', 'true'], /--push-top limits what --push/],
      [['measure', '--push-minimal', '--', 'true'], /--push-minimal trims what --push/],
      [['profile', '--push', 'http://gw:9091', '--push-top', '99', '--', 'true'], /--push-top must be at most 50/],
    ];
    for (const [args, msg] of cases) {
      const r = run(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  });

  it('a push that fails (nothing listening) is said and exits 1; the result is still printed', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'measure',
        '--json',
        '--source',
        'estimate',
        '--baseline',
        '0',
        '--push',
        `http://127.0.0.1:${port}`,
        '--',
        process.execPath,
        '-e',
        '',
      ],
      { encoding: 'utf8', timeout: 20000, cwd: dir },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot push to the Pushgateway http://127.0.0.1:${port}: .*ECONNREFUSED`));
    assert.ok(JSON.parse(r.stdout).energyJoules >= 0);
  });
});
