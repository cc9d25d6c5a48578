// The PromQL corpus names its sources so a reader can find them on any clone (issue 19): no absolute path of the
// machine it was written on, and the guide by its title and its place beside the repository.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const corpus = path.resolve(__dirname, '../../../test/stack/promql-corpus.txt');

describe('PromQL corpus headings', () => {
  const headings = fs
    .readFileSync(corpus, 'utf8')
    .split('\n')
    .filter((l) => /^%% \S/.test(l));

  it('name no absolute path', () => {
    assert.deepEqual(
      headings.filter((h) => /(^|[\s(])\/(work|home|root|tmp|Users)\//.test(h)),
      [],
    );
  });

  it('name the guide by its title and its path beside the repository', () => {
    const guide = headings.find((h) => /the guide/.test(h));
    assert.ok(guide, 'a heading for the guide');
    assert.match(guide, /Intégration Grafana pour OptiVolt/);
    assert.match(guide, /\.\.\/shared\/seed\/optivolt-grafana-guide\.md/);
  });
});
