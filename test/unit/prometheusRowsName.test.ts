// Names of rows read from Scaphandre: the basename of exe (a full path), else the cmdline as it is, since
// Scaphandre concatenates argv with no separator (hubblo-org/scaphandre src/sensors/utils.rs@v1.0.3:653).
import { strict as assert } from 'node:assert';
import { PrometheusRows, processName, processPowerQuery } from '../../src/core/attribution/prometheusRows';
import type { PrometheusClient, VectorSample } from '../../src/core/prometheus/client';

describe('prometheusRows: processName from Scaphandre labels', () => {
  it('the basename of exe', () => assert.equal(processName('/usr/lib/jvm/bin/java', 'java-Xmx1gMain', '7'), 'java'));
  it('without exe, the concatenated cmdline whole: no space to split on', () => {
    assert.equal(processName(undefined, 'python3-mhttp.server', '7'), 'python3-mhttp.server');
    assert.equal(
      processName('', '/usr/bin/python3/srv/app.py', '7'),
      '/usr/bin/python3/srv/app.py',
      'not its basename: argv[0] cannot be cut out',
    );
  });
  it('a long cmdline is shortened with an ellipsis; neither label -> the pid', () => {
    const n = processName(undefined, 'x'.repeat(100), '7');
    assert.equal([...n].length, 48);
    assert.ok(n.endsWith('…'));
    assert.equal(processName(undefined, undefined, '7'), 'pid 7');
  });
});

describe('PrometheusRows: NaN and infinite samples (the client passes them through)', () => {
  it('are left out of the rows and sums, never shown as NaN W', async () => {
    const answers: Record<string, VectorSample[]> = {
      [processPowerQuery(10)]: [
        { metric: { pid: '1', exe: '/usr/bin/ok' }, value: 5e6 },
        { metric: { pid: '2', exe: '/usr/bin/bad' }, value: Number.NaN },
        { metric: { pid: '3', exe: '/usr/bin/inf' }, value: Number.POSITIVE_INFINITY },
      ],
    };
    const client = { query: async (q: string) => answers[q] ?? [] } as unknown as PrometheusClient;
    const snap = await new PrometheusRows(client).sample(
      { time: 1, watts: 20, source: 'prometheus', estimated: false, zones: {}, detail: '' },
      10,
      false,
      'capacity',
    );
    assert.deepEqual(
      snap.processes.map((p) => p.pid),
      [1],
    );
    for (const p of snap.processes) assert.ok(Number.isFinite(p.watts) && Number.isFinite(p.share), JSON.stringify(p));
    assert.ok(Number.isFinite(snap.idleWatts ?? 0));
  });
});
