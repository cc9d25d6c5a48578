// The power view's Kepler messages: "Show" from the webview is untrusted input that ends in a user setting, so only a
// plausible node name passes (a Kubernetes node name is a DNS subdomain: at most 253 characters).
import { strict as assert } from 'node:assert';
import { parseFromWebview } from '../../src/shared/webviews/powerViewProtocol';

describe('power view protocol: kepler/chooseNode', () => {
  it('passes a node name, and nothing else from the message', () => {
    assert.deepEqual(parseFromWebview({ type: 'kepler/chooseNode', node: 'node-a', extra: 1 }), {
      type: 'kepler/chooseNode',
      node: 'node-a',
    });
    assert.deepEqual(parseFromWebview({ type: 'kepler/chooseNode', node: 'n'.repeat(253) }), {
      type: 'kepler/chooseNode',
      node: 'n'.repeat(253),
    });
  });
  it('refuses an empty, missing, non-string or over-long node', () => {
    for (const node of ['', undefined, 42, ['node-a'], { name: 'node-a' }, 'n'.repeat(254)]) {
      assert.equal(parseFromWebview({ type: 'kepler/chooseNode', node }), undefined, JSON.stringify(node)?.slice(0, 30));
    }
  });
});
