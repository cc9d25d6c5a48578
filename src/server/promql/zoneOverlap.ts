// Kepler 0.10+ reports energy and power per RAPL zone, and the zones nest: `package` includes `core` and `uncore`,
// `psys` (the platform) includes `package` and `dram` (Kepler internal/device/energy_zone.go, RAPL's powercap
// layout). A `sum` that drops the `zone` label over series of nested zones therefore double counts: a warning on
// the selector, saying which zone to keep. Called on the AST of a query that parses, like semanticProblems.
import type { Expr, Grouping, Matcher } from './ast';
import type { Problem } from './types';

/** Kepler 0.10+ series that carry `zone`: node, process, container, pod and vm CPU energy and power. */
const ZONED = /^kepler_(node|process|container|pod|vm)_cpu(_active|_idle)?_(joules_total|watts)$/;

/** Zones as Kepler names them (by base name, `package-0` → `package`). */
const ZONES = ['package', 'core', 'uncore', 'dram', 'psys'] as const;

/** Whether a set of zones holds two that nest, so that their sum counts some energy twice. */
export function zonesOverlap(zones: ReadonlySet<string>): boolean {
  if (zones.has('psys') && zones.size > 1) return true;
  return zones.has('package') && (zones.has('core') || zones.has('uncore'));
}

/** The zones a selector's `zone` matchers let through; undefined when a regex cannot be read (no warning then). */
export function zonesSelected(matchers: readonly Matcher[]): Set<string> | undefined {
  let zones = new Set<string>(ZONES);
  for (const m of matchers) {
    if (m.name !== 'zone') continue;
    const value = unquote(m.value);
    let test: (z: string) => boolean;
    if (m.op === '=' || m.op === '!=') test = (z) => z === value;
    else {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${value})$`); // Prometheus anchors label regexes
      } catch {
        return undefined;
      }
      test = (z) => re.test(z);
    }
    const keep = m.op === '=' || m.op === '=~';
    zones = new Set([...zones].filter((z) => test(z) === keep));
  }
  return zones;
}

function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return literal.startsWith('`') ? body : body.replace(/\\(.)/g, '$1');
}

function dropsZone(g: Grouping | undefined): boolean {
  if (!g) return true;
  const hasZone = g.labels.some((l) => l.name === 'zone');
  return g.without ? hasZone : !hasZone;
}

/** Warnings for Kepler selectors whose overlapping zones are added up by an enclosing `sum`. */
export function zoneOverlapProblems(ast: Expr): Problem[] {
  const out: Problem[] = [];
  // `summing`: the nearest enclosing aggregation that drops `zone` is a sum (max, count... across zones do not add).
  const walk = (e: Expr, summing: boolean): void => {
    switch (e.kind) {
      case 'vector': {
        const name = e.name?.text;
        if (!summing || !name || !ZONED.test(name)) return;
        const zones = zonesSelected(e.matchers);
        if (!zones || !zonesOverlap(zones)) return;
        out.push({
          from: e.from,
          to: e.to,
          severity: 'warning',
          code: 'zone-overlap',
          message: `"${name}" is summed across Kepler zones that overlap (${[...zones].join(', ')}): package includes core and uncore, psys includes package and dram, so the sum counts energy twice. Select one zone, e.g. {zone="package"}, or keep zone: sum by (zone) (…).`,
        });
        return;
      }
      case 'aggregate': {
        const next = dropsZone(e.grouping) ? e.op.toLowerCase() === 'sum' : summing;
        for (const a of e.args) walk(a, next);
        return;
      }
      case 'call':
        for (const a of e.args) walk(a, summing);
        return;
      case 'binary':
        walk(e.lhs, summing);
        walk(e.rhs, summing);
        return;
      case 'matrix':
      case 'subquery':
      case 'offset':
      case 'at':
      case 'unary':
      case 'paren':
      case 'unsupported':
        walk(e.expr, summing);
        return;
      default:
        return;
    }
  };
  walk(ast, false);
  return out;
}
