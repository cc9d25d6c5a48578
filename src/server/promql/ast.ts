// A Prometheus-shaped AST built from lezer-promql's tree. lezer-promql binds the postfix modifiers (`[range]`,
// `[range:step]`, `offset`, `@`) looser than binary and unary operators (`a + b offset 5m` parses as
// `(a + b) offset 5m`), whereas Prometheus binds them tightest; the builder moves each postfix modifier down
// onto the rightmost operand, so types and error positions come out as Prometheus computes them.
import { SyntaxNode } from '@lezer/common';

export interface Span {
  readonly from: number;
  readonly to: number;
}

export interface Matcher extends Span {
  readonly name: string;
  readonly op: string;
  /** The value's literal text, quotes included. */
  readonly value: string;
  readonly quotedName: boolean;
}

export type Expr =
  | (Span & { kind: 'number'; text: string; numberFrom: number })
  | (Span & { kind: 'string'; text: string })
  | (Span & { kind: 'vector'; name?: Span & { text: string }; matchers: Matcher[]; braceFrom: number })
  | (Span & { kind: 'matrix'; expr: Expr; bracket: number })
  | (Span & { kind: 'subquery'; expr: Expr; bracket: number })
  | (Span & { kind: 'offset'; expr: Expr; keyword: number })
  | (Span & { kind: 'at'; expr: Expr; keyword: number; preprocessor?: string; valueFrom: number })
  | (Span & { kind: 'call'; name: string; nameTo: number; args: Expr[]; argsFrom: number })
  | (Span & { kind: 'aggregate'; op: string; opTo: number; args: Expr[]; grouping?: Grouping; modifierFirst: boolean; argsFrom: number })
  | (Span & {
      kind: 'binary';
      op: string;
      opFrom: number;
      opTo: number;
      lhs: Expr;
      rhs: Expr;
      bool: boolean;
      matching?: Matching;
      fill?: Span;
    })
  | (Span & { kind: 'unary'; op: string; expr: Expr })
  | (Span & { kind: 'paren'; expr: Expr })
  | (Span & { kind: 'unsupported'; expr: Expr; keyword: Span });

export interface Grouping extends Span {
  readonly without: boolean;
  readonly labels: readonly Label[];
}
export interface Label extends Span {
  readonly name: string;
  readonly quoted: boolean;
}
export interface Matching {
  readonly on: boolean;
  readonly labels: readonly Label[];
  readonly card?: 'group_left' | 'group_right';
  readonly include: readonly Label[];
}

const isExpr = (n: SyntaxNode): boolean => n.type.is('Expr');

/** Offset of the first `ch` at or after `from` outside `#` comments (lezer keeps `[` out of the tree). */
function nextOutsideComments(text: string, from: number, ch: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === ch) return i;
    if (text[i] === '#') {
      const eol = text.indexOf('\n', i);
      if (eol < 0) break;
      i = eol;
    }
  }
  return -1;
}

/** The child nodes, without `#` comments (lezer keeps them in the tree, where they would pass for an operator). */
function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

type PostfixKind = 'matrix' | 'subquery' | 'offset' | 'at' | 'unsupported';

/** Rebuilds a postfix node around `inner`, pushed down to the rightmost operand of binary/unary operators. */
function attachPostfix(inner: Expr, make: (e: Expr) => Expr): Expr {
  if (inner.kind === 'binary') {
    const rhs = attachPostfix(inner.rhs, make);
    return { ...inner, rhs, to: rhs.to };
  }
  if (inner.kind === 'unary') {
    const expr = attachPostfix(inner.expr, make);
    return { ...inner, expr, to: expr.to };
  }
  // A signed number literal is one node in lezer but a unary minus applied after the postfix in Prometheus.
  if (inner.kind === 'number' && inner.numberFrom > inner.from) {
    const num: Expr = { ...inner, from: inner.numberFrom };
    const expr = make(num);
    return { kind: 'unary', op: inner.text.startsWith('-') ? '-' : '+', expr, from: inner.from, to: expr.to };
  }
  return make(inner);
}

export class AstBuilder {
  constructor(private readonly text: string) {}

  private slice(n: SyntaxNode | Span): string {
    return this.text.slice(n.from, n.to);
  }

  build(n: SyntaxNode): Expr | undefined {
    switch (n.name) {
      case 'PromQL': {
        const e = children(n).find(isExpr);
        return e ? this.build(e) : undefined;
      }
      case 'NumberDurationLiteral': {
        const kids = children(n);
        const num = kids.length ? kids[kids.length - 1] : n;
        // The number token is the last non-space run of the literal.
        const text = this.slice(n);
        const numText = text.replace(/^[-+]\s*/, '');
        return {
          kind: 'number',
          text: text.replace(/\s+/g, ''),
          numberFrom: n.to - numText.length,
          from: n.from,
          to: Math.max(n.to, num.to),
        };
      }
      case 'StringLiteral':
        return { kind: 'string', text: this.slice(n), from: n.from, to: n.to };
      case 'VectorSelector':
        return this.vector(n);
      case 'ParenExpr': {
        const e = children(n).find(isExpr);
        const inner = e && this.build(e);
        return inner ? { kind: 'paren', expr: inner, from: n.from, to: n.to } : undefined;
      }
      case 'UnaryExpr': {
        const kids = children(n);
        const e = kids.find(isExpr);
        const inner = e && this.build(e);
        const op = kids.find((k) => k.name === 'UnaryOp');
        return inner && op ? { kind: 'unary', op: this.slice(op), expr: inner, from: n.from, to: n.to } : undefined;
      }
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'MatrixSelector':
      case 'SubqueryExpr':
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        return this.postfix(n);
      default:
        return undefined;
    }
  }

  private postfix(n: SyntaxNode): Expr | undefined {
    const kids = children(n);
    const e = kids.find(isExpr);
    const inner = e && this.build(e);
    if (!inner || !e) return undefined;
    const kind: PostfixKind =
      n.name === 'MatrixSelector'
        ? 'matrix'
        : n.name === 'SubqueryExpr'
          ? 'subquery'
          : n.name === 'OffsetExpr'
            ? 'offset'
            : n.name === 'StepInvariantExpr'
              ? 'at'
              : 'unsupported';
    const after = e.to;
    const to = n.to;
    const keyword = kids.find((k) => k !== e) ?? n;
    const make = (x: Expr): Expr => {
      const from = x.from;
      switch (kind) {
        case 'matrix':
        case 'subquery':
          return { kind, expr: x, bracket: nextOutsideComments(this.text, after, '['), from, to };
        case 'offset':
          return { kind, expr: x, keyword: keyword.from, from, to };
        case 'at': {
          const value = kids.find((k) => k.name === 'NumberDurationLiteral' || k.name === 'AtModifierPreprocessors');
          const pre = value?.name === 'AtModifierPreprocessors' ? this.slice(value).toLowerCase() : undefined;
          return { kind, expr: x, keyword: keyword.from, valueFrom: value?.from ?? to, ...(pre ? { preprocessor: pre } : {}), from, to };
        }
        default:
          return { kind: 'unsupported', expr: x, keyword: { from: keyword.from, to: keyword.to }, from, to };
      }
    };
    return attachPostfix(inner, make);
  }

  private vector(n: SyntaxNode): Expr {
    const id = n.getChild('Identifier');
    const lm = n.getChild('LabelMatchers');
    const matchers: Matcher[] = [];
    if (lm) {
      for (const m of children(lm)) {
        const kids = children(m);
        if (m.name === 'QuotedLabelName') {
          matchers.push({ name: this.slice(m), op: '', value: '', quotedName: true, from: m.from, to: m.to });
          continue;
        }
        const nameNode = kids[0];
        const op = kids.find((k) => k.name === 'MatchOp');
        const value = kids[kids.length - 1];
        if (!nameNode || !op || !value || value.name !== 'StringLiteral') continue;
        matchers.push({
          name: this.slice(nameNode),
          op: this.slice(op),
          value: this.slice(value),
          quotedName: m.name === 'QuotedLabelMatcher',
          from: m.from,
          to: m.to,
        });
      }
    }
    return {
      kind: 'vector',
      ...(id ? { name: { text: this.slice(id), from: id.from, to: id.to } } : {}),
      matchers,
      braceFrom: lm?.from ?? n.to,
      from: n.from,
      to: n.to,
    };
  }

  private args(body: SyntaxNode | null): Expr[] {
    if (!body) return [];
    const out: Expr[] = [];
    for (const c of children(body)) {
      if (!isExpr(c)) continue;
      const e = this.build(c);
      if (e) out.push(e);
    }
    return out;
  }

  private call(n: SyntaxNode): Expr | undefined {
    const id = n.getChild('FunctionIdentifier');
    const body = n.getChild('FunctionCallBody');
    if (!id || !body) return undefined;
    return { kind: 'call', name: this.slice(id), nameTo: id.to, args: this.args(body), argsFrom: body.from, from: n.from, to: n.to };
  }

  private labels(g: SyntaxNode | null): Label[] {
    if (!g) return [];
    return children(g)
      .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
      .map((c) => ({ name: this.slice(c), quoted: c.name === 'QuotedLabelName', from: c.from, to: c.to }));
  }

  private aggregate(n: SyntaxNode): Expr | undefined {
    const op = n.getChild('AggregateOp');
    const body = n.getChild('FunctionCallBody');
    const mod = n.getChild('AggregateModifier');
    if (!op || !body) return undefined;
    const grouping: Grouping | undefined = mod
      ? { without: mod.firstChild?.name === 'Without', labels: this.labels(mod.getChild('GroupingLabels')), from: mod.from, to: mod.to }
      : undefined;
    return {
      kind: 'aggregate',
      op: this.slice(op).toLowerCase(),
      opTo: op.to,
      args: this.args(body),
      ...(grouping ? { grouping } : {}),
      modifierFirst: !!mod && mod.from < body.from,
      argsFrom: body.from,
      from: n.from,
      to: n.to,
    };
  }

  private binary(n: SyntaxNode): Expr | undefined {
    const kids = children(n);
    const exprs = kids.filter(isExpr);
    if (exprs.length !== 2) return undefined;
    const lhs = this.build(exprs[0]);
    const rhs = this.build(exprs[1]);
    const opNode = kids.find((k) => k.from >= exprs[0].to && !isExpr(k));
    if (!lhs || !rhs || !opNode) return undefined;
    const mm = n.getChild('MatchingModifierClause');
    let matching: Matching | undefined;
    if (mm) {
      const groupings = mm.getChildren('GroupingLabels');
      const card = mm.getChild('GroupLeft') ? 'group_left' : mm.getChild('GroupRight') ? 'group_right' : undefined;
      matching = {
        on: mm.firstChild?.name === 'On',
        labels: this.labels(groupings[0] ?? null),
        ...(card ? { card } : {}),
        include: this.labels(groupings[1] ?? null),
      };
    }
    const fill = n.getChild('FillModifier');
    return {
      kind: 'binary',
      op: this.slice(opNode).toLowerCase(),
      opFrom: opNode.from,
      opTo: opNode.to,
      lhs,
      rhs,
      bool: !!n.getChild('BoolModifier'),
      ...(matching ? { matching } : {}),
      ...(fill ? { fill: { from: fill.from, to: fill.to } } : {}),
      from: lhs.from,
      to: n.to,
    };
  }
}
