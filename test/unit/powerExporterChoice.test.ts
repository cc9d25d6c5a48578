// stack up's power exporter choice (choosePowerExporter) over fixture powercap trees that cannot give power (issue 20):
// Scaphandre needs RAPL, so such a tree must get OptiVolt's exporter, with the reason.
import { strict as assert } from 'node:assert';
import { choosePowerExporter } from '../../src/core/stack/stackLifecycle';
import { PowercapTree } from '../fixtures/powercapTree';

describe("stack up's power exporter choice over a RAPL tree that gives no value (issue 20)", () => {
  const trees: PowercapTree[] = [];
  afterEach(() => {
    while (trees.length) trees.pop()!.dispose();
  });

  for (const bad of ['garbage', '', '-5', '123456789012345678901234']) {
    it(`energy_uj ${JSON.stringify(bad)}: OptiVolt's exporter, not Scaphandre, saying why`, async () => {
      const tree = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: bad }]);
      trees.push(tree);
      const choice = await choosePowerExporter('auto', tree.root);
      assert.equal(choice.kind, 'optivolt', choice.why);
      assert.match(choice.why, /energy_uj is not a counter/);
      assert.match(choice.why, /Scaphandre needs RAPL/);
    });
  }
});
