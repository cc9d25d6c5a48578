// Types of PromQL expressions and Prometheus' type rules (checkAST in promql/parser/parse.go, unchanged in what it
// reports from 2.42 to 3.14), in the same order and at the same positions, so the first error is the one
// Prometheus reports. Which functions exist depends on the target.
import { Expr } from './ast';
import { AGGREGATIONS, FUNCTIONS } from './functions';
import { availability } from './gates';
import { atLeast, type PromqlTarget } from './target';
import { ValueType } from './types';
import { checkRegex, unquote } from './values';

export interface TypeError {
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

/** How Prometheus names a type in messages. */
export function documentedType(t: ValueType | 'none'): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

/**
 * A function the target's parser knows (getFunction): it exists in its version, even if still behind a flag
 * (then Prometheus knows it but reports it "not enabled").
 */
export const knownFunction = (name: string, target: PromqlTarget) => {
  const f = FUNCTIONS.get(name);
  if (!f) return undefined;
  const a = availability(f, target);
  return a.ok || a.why === 'not-enabled' ? f : undefined;
};

export function typeOf(e: Expr, target: PromqlTarget): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
      return 'vector';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'offset':
    case 'at':
    case 'paren':
    case 'unary':
    case 'unsupported':
      return typeOf(e.expr, target);
    case 'call':
      return knownFunction(e.name, target)?.returns ?? 'vector';
    case 'aggregate':
      return 'vector';
    case 'binary':
      return typeOf(e.lhs, target) === 'scalar' && typeOf(e.rhs, target) === 'scalar' ? 'scalar' : 'vector';
  }
}

/** Labels of a selector that make it match something (Prometheus refuses selectors matching everything). */
function matchesEmpty(op: string, value: string): boolean | undefined {
  const v = unquote(value);
  switch (op) {
    case '=':
      return v === '';
    case '!=':
      return v !== '';
    case '=~':
    case '!~': {
      const r = checkRegex(v);
      const m = r.ok ? r.matchesEmpty : undefined;
      return m === undefined ? undefined : op === '=~' ? m : !m;
    }
    default:
      return undefined;
  }
}

export class TypeChecker {
  readonly errors: TypeError[] = [];
  constructor(
    private readonly text: string,
    private readonly target: PromqlTarget,
  ) {}

  /** info()'s second arguments: label selectors, exempt from the non-empty matcher rule. */
  private readonly labelSelectors = new Set<Expr>();

  /**
   * parse.go's checkAST for info(v, selector), before the arguments' own checks: the selector must be an instant
   * vector, then a selector of labels only. Before 3.8 a selector that is not a plain one made Prometheus' parser
   * panic (a type assertion), so nothing is said there.
   */
  private infoLabels(call: Expr, arg: Expr): void {
    const t = typeOf(arg, this.target);
    if (t !== 'vector') {
      this.add(call.from, call.to, `expected type ${documentedType('vector')} in call to function "info", got ${documentedType(t)}`);
    } else if (arg.kind === 'vector' && arg.name) {
      this.add(arg.from, arg.to, 'expected label selectors only, got vector selector instead');
    } else if (arg.kind === 'vector') {
      this.labelSelectors.add(arg);
    } else if (atLeast(this.target, '3.8.0')) {
      this.add(arg.from, arg.to, 'expected label selectors only');
    }
  }

  private add(from: number, to: number, message: string): void {
    this.errors.push({ from, to, message });
  }

  private expect(e: Expr, want: ValueType, context: string): void {
    const t = this.check(e);
    if (t !== want) this.add(e.from, e.to, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
  }

  /** The span of a binary operator and its modifiers, trimmed of blanks, as Prometheus' opRange. */
  private opRange(lhs: Expr, rhs: Expr): [number, number] {
    let start = lhs.to;
    while (start < rhs.from && /\s/.test(this.text[start])) start++;
    let end = rhs.from;
    while (end > start && /\s/.test(this.text[end - 1])) end--;
    return [start, end];
  }

  /** Checks `e` and returns its type, computed bottom-up (one visit per node). */
  check(e: Expr): ValueType {
    switch (e.kind) {
      case 'aggregate': {
        const spec = AGGREGATIONS.get(e.op);
        const expr = e.args[e.args.length - 1];
        if (expr) this.expect(expr, 'vector', 'aggregation expression');
        // limitk / limit_ratio (2.54+, not in AGGREGATIONS: experimental) take a scalar too (parse.go's checkAST).
        const param = spec?.param ?? (e.op === 'limitk' || e.op === 'limit_ratio' ? 'scalar' : undefined);
        if (param && e.args.length > 1) this.expect(e.args[0], param, 'aggregation parameter');
        return 'vector';
      }
      case 'binary': {
        const lt = this.check(e.lhs);
        const rt = this.check(e.rhs);
        const comparison = COMPARISONS.has(e.op);
        const setOp = SET_OPERATORS.has(e.op);
        if (e.bool && !comparison) this.add(...this.opRange(e.lhs, e.rhs), 'bool modifier can only be used on comparison operators');
        if (comparison && !e.bool && lt === 'scalar' && rt === 'scalar') {
          this.add(...this.opRange(e.lhs, e.rhs), 'comparisons between scalars must use BOOL modifier');
        }
        const m = e.matching;
        if (m?.on && m.card) {
          for (const l1 of m.labels) {
            for (const l2 of m.include) {
              if (l1.name === l2.name)
                this.add(...this.opRange(e.lhs, e.rhs), `label "${l1.name}" must not occur in ON and GROUP clause at once`);
            }
          }
        }
        if (lt !== 'scalar' && lt !== 'vector')
          this.add(e.lhs.from, e.lhs.to, 'binary expression must contain only scalar and instant vector types');
        if (rt !== 'scalar' && rt !== 'vector')
          this.add(e.rhs.from, e.rhs.to, 'binary expression must contain only scalar and instant vector types');
        if ((lt !== 'vector' || rt !== 'vector') && m) {
          if (m.labels.length > 0) this.add(e.from, e.to, 'vector matching only allowed between instant vectors');
        } else if (setOp && lt === 'vector' && rt === 'vector' && m?.card) {
          this.add(e.from, e.to, `no grouping allowed for "${e.op}" operation`);
          this.add(e.from, e.to, 'set operations must always be many-to-many');
        }
        if ((lt === 'scalar' || rt === 'scalar') && setOp)
          this.add(e.from, e.to, `set operator "${e.op}" not allowed in binary scalar expression`);
        return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
      }
      case 'call': {
        const f = knownFunction(e.name, this.target);
        if (!f) return 'vector';
        const nargs = f.args.length;
        if (f.variadic === 0) {
          if (nargs !== e.args.length) this.add(e.from, e.to, `expected ${nargs} argument(s) in call to "${f.name}", got ${e.args.length}`);
        } else {
          const na = nargs - 1;
          if (na > e.args.length)
            this.add(e.from, e.to, `expected at least ${na} argument(s) in call to "${f.name}", got ${e.args.length}`);
          else if (f.variadic > 0 && na + f.variadic < e.args.length) {
            this.add(e.from, e.to, `expected at most ${na + f.variadic} argument(s) in call to "${f.name}", got ${e.args.length}`);
          }
        }
        if (f.name === 'info' && e.args.length > 1) this.infoLabels(e, e.args[1]);
        e.args.forEach((arg, i) => {
          if (i >= nargs) {
            if (f.variadic === 0) return;
            i = nargs - 1;
          }
          this.expect(arg, f.args[i], `call to function "${f.name}"`);
        });
        return f.returns;
      }
      case 'paren':
      case 'offset':
      case 'at':
      case 'unsupported':
        return this.check(e.expr);
      case 'unary': {
        const it = this.check(e.expr);
        if (it !== 'scalar' && it !== 'vector') {
          this.add(
            e.from,
            e.to,
            `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(it)}"`,
          );
        }
        return it;
      }
      case 'subquery': {
        const it = this.check(e.expr);
        if (it !== 'vector') this.add(e.from, e.to, `subquery is only allowed on instant vector, got ${it} instead`);
        return 'matrix';
      }
      case 'matrix':
        this.check(e.expr);
        return 'matrix';
      case 'vector': {
        if (e.name) {
          for (const m of e.matchers) {
            const label = m.quotedName ? unquote(m.name) : m.name;
            // A quoted name alone in the braces (`up{"job"}`, the UTF-8 syntax) is a metric name too.
            const nameValue = !m.op ? label : label === '__name__' ? unquote(m.value) : undefined;
            if (nameValue !== undefined) this.add(e.from, e.to, `metric name must not be set twice: "${e.name.text}" or "${nameValue}"`);
          }
          return 'vector';
        }
        if (this.labelSelectors.has(e)) return 'vector';
        // Unknown regex behaviour counts as non-empty: better silent than a false error.
        if (!e.matchers.some((m) => matchesEmpty(m.op, m.value) !== true)) {
          this.add(e.from, e.to, 'vector selector must contain at least one non-empty matcher');
        }
        return 'vector';
      }
      case 'number':
        return 'scalar';
      case 'string':
        return 'string';
    }
  }
}
