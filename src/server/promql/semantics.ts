// Semantic warnings on a query that parses: functions used against the metric's type (rate() on a gauge, a
// counter read raw), metrics nobody knows, and micro-unit metrics shown without conversion. One walk, top-down,
// carrying what the enclosing expression does with the value.
import { Expr } from './ast';
import { MetricLookup, Problem } from './types';
import { parseNumber } from './values';

const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);
// Functions and aggregations that use the presence, timing or number of series, not their values: below them a
// counter read raw or an unconverted micro-unit does not matter.
const VALUELESS = new Set([
  'absent',
  'absent_over_time',
  'present_over_time',
  'count_over_time',
  'timestamp',
  'changes',
  'resets',
  'count',
  'group',
]);

interface Context {
  /** The enclosing call or aggregation that receives this value, if any. */
  readonly consumer?: string;
  /** A division (or multiplication) by a constant converts micro-units. */
  readonly converted: boolean;
  /** Only which series exist matters here (count(), absent(), the right side of `and` / `unless` ...). */
  readonly valueless?: boolean;
}

const isMicroUnit = (name: string, unit: string | undefined): boolean => (unit ? /^micro/.test(unit) : /_micro[a-z]+(_total)?$/.test(name));

/** A constant that scales a micro-unit value to a display unit: a division by >= 1000 or a product by <= 1e-3. */
function scales(op: string, constant: Expr): boolean {
  let e = constant;
  while (e.kind === 'paren') e = e.expr;
  if (e.kind !== 'number' && !(e.kind === 'binary' && isConstant(e))) return false;
  const v = evalConstant(e);
  if (v === undefined || !Number.isFinite(v) || v === 0) return false;
  return op === '/' ? Math.abs(v) >= 1000 : op === '*' && Math.abs(v) <= 1e-3;
}

function isConstant(e: Expr): boolean {
  if (e.kind === 'number') return true;
  if (e.kind === 'paren' || e.kind === 'unary') return isConstant(e.expr);
  return e.kind === 'binary' && isConstant(e.lhs) && isConstant(e.rhs);
}

function evalConstant(e: Expr): number | undefined {
  switch (e.kind) {
    case 'number':
      return parseNumber(e.text);
    case 'paren':
      return evalConstant(e.expr);
    case 'unary': {
      const v = evalConstant(e.expr);
      return v === undefined ? undefined : e.op === '-' ? -v : v;
    }
    case 'binary': {
      const a = evalConstant(e.lhs);
      const b = evalConstant(e.rhs);
      if (a === undefined || b === undefined) return undefined;
      return e.op === '*' ? a * b : e.op === '/' ? a / b : e.op === '+' ? a + b : e.op === '-' ? a - b : undefined;
    }
    default:
      return undefined;
  }
}

export function semanticProblems(ast: Expr, _text: string, metrics?: MetricLookup): Problem[] {
  const out: Problem[] = [];

  const selector = (e: Extract<Expr, { kind: 'vector' }>, ctx: Context, ranged: boolean): void => {
    const name = e.name?.text ?? e.matchers.find((m) => m.name === '__name__' && m.op === '=')?.value.slice(1, -1);
    if (!name) return;
    const from = e.name?.from ?? e.from;
    const to = e.name?.to ?? e.to;
    const info = metrics?.get(name);
    if (metrics?.isUnknown(name)) {
      out.push({
        from,
        to,
        severity: 'warning',
        code: 'unknown-metric',
        message: `Unknown metric "${name}": neither the catalogue nor the Prometheus server knows it.`,
      });
    }
    if (info?.type === 'gauge' && ctx.consumer && COUNTER_FUNCTIONS.has(ctx.consumer)) {
      out.push({
        from,
        to,
        severity: 'warning',
        code: 'rate-on-gauge',
        message: `${ctx.consumer}() is for counters, but "${name}" is a gauge: each drop reads as a counter reset. Use delta(), deriv() or avg_over_time() instead.`,
      });
    }
    if (info?.type === 'counter' && !ranged && !ctx.valueless) {
      out.push({
        from,
        to,
        severity: 'warning',
        code: 'raw-counter',
        message: `"${name}" is a counter: its raw value only grows and resets on restart. Use rate() or increase() over a range.`,
      });
    }
    if (!ctx.converted && !ctx.valueless && isMicroUnit(name, info?.unit)) {
      const unit = info?.unit ?? /_(micro[a-z]+)(_total)?$/.exec(name)?.[1] ?? 'micro-units';
      out.push({
        from,
        to,
        severity: 'hint',
        code: 'micro-units',
        message: `"${name}" is in ${unit}: divide by 1e6 to show ${unit.replace(/^micro/, '')}.`,
      });
    }
  };

  const walk = (e: Expr, ctx: Context, ranged = false): void => {
    switch (e.kind) {
      case 'vector':
        selector(e, ctx, ranged);
        return;
      case 'matrix':
        walk(e.expr, ctx, true);
        return;
      case 'subquery':
        // The subquery's inner expression is evaluated as an instant vector at each step.
        walk(e.expr, { converted: ctx.converted, valueless: ctx.valueless }, false);
        return;
      case 'offset':
      case 'at':
      case 'paren':
      case 'unary':
      case 'unsupported':
        walk(e.expr, ctx, ranged);
        return;
      case 'call':
      case 'aggregate': {
        const consumer = e.kind === 'call' ? e.name : e.op;
        const valueless = ctx.valueless || VALUELESS.has(consumer);
        for (const a of e.args) walk(a, { consumer, converted: ctx.converted, valueless });
        return;
      }
      case 'binary': {
        const converted = ctx.converted || scales(e.op, e.rhs) || (e.op === '*' && scales('*', e.lhs));
        walk(e.lhs, { converted, valueless: ctx.valueless });
        // `and` / `unless` keep the left side's values: the right side only filters.
        walk(e.rhs, { converted, valueless: ctx.valueless || e.op === 'and' || e.op === 'unless' });
        return;
      }
      case 'number':
      case 'string':
        return;
    }
  };

  walk(ast, { converted: false });
  return out;
}
