// Names of rows read from Scaphandre: the basename of exe (a full path), else the cmdline as it is, since
// Scaphandre concatenates argv with no separator (hubblo-org/scaphandre src/sensors/utils.rs@v1.0.3:653).
import { strict as assert } from 'node:assert';
import { processName } from '../../src/core/attribution/prometheusRows';

describe('prometheusRows: processName from Scaphandre labels', () => {
  it('the basename of exe', () => assert.equal(processName('/usr/lib/jvm/bin/java', 'java-Xmx1gMain', '7'), 'java'));
  it('without exe, the concatenated cmdline whole: no space to split on', () => {
    assert.equal(processName(undefined, 'python3-mhttp.server', '7'), 'python3-mhttp.server');
    assert.equal(processName('', '/usr/bin/python3/srv/app.py', '7'), '/usr/bin/python3/srv/app.py', 'not its basename: argv[0] cannot be cut out');
  });
  it('a long cmdline is shortened with an ellipsis; neither label -> the pid', () => {
    const n = processName(undefined, 'x'.repeat(100), '7');
    assert.equal([...n].length, 48);
    assert.ok(n.endsWith('…'));
    assert.equal(processName(undefined, undefined, '7'), 'pid 7');
  });
});
