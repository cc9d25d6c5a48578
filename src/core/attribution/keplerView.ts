// The power view's Kepler tree (KeplerPower) from keplerTree's rows: every node, its namespaces, pods, containers and
// processes, with Watts and each row's share of its node; the node's idle power is a row of its own, attributed to no
// one, and what runs outside pods another (Kepler's model, internal/monitor/node.go and process.go).
import type { KeplerPower, KeplerTreeRow } from '../../shared/attribution';
import type { KeplerNodeRow, KeplerTree } from './keplerTree';

function row(
  level: KeplerTreeRow['level'],
  key: string,
  name: string,
  watts: number,
  of: number,
  children: KeplerTreeRow[] = [],
): KeplerTreeRow {
  return { level, key, name, watts, share: of > 0 ? watts / of : 0, children };
}

function nodeRow(n: KeplerNodeRow, allNodes: number): KeplerTreeRow {
  const of = n.watts;
  const children = n.namespaces.map((ns) =>
    row(
      'namespace',
      ns.name,
      ns.name,
      ns.watts,
      of,
      ns.pods.map((p) =>
        row(
          'pod',
          p.id,
          p.name,
          p.watts,
          of,
          p.containers.map((c) =>
            row(
              'container',
              c.id,
              c.name,
              c.watts,
              of,
              c.processes.map((pr) => row('process', pr.pid, `${pr.comm} (pid ${pr.pid})`, pr.watts, of)),
            ),
          ),
        ),
      ),
    ),
  );
  if (n.outsidePodsWatts > 0) children.push(row('outside', '(outside pods)', 'Outside pods', n.outsidePodsWatts, of));
  children.push(row('idle', '(idle)', 'Idle (not attributed)', n.idleWatts, of));
  return row('node', n.name, n.name, n.watts, allNodes, children);
}

export function keplerPowerView(tree: KeplerTree, chosenNode: string): KeplerPower {
  const all = tree.nodes.reduce((s, n) => s + n.watts, 0);
  return { zone: tree.zone, zones: tree.zones, model: tree.model, chosenNode, nodes: tree.nodes.map((n) => nodeRow(n, all)) };
}
