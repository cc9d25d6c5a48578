// Finds the error the target Prometheus reports first for a query: lexical errors (our port of its lexer), grammar
// errors (lezer-promql's strict parse, plus the places where the newer grammar accepts what the target does not:
// each construct newer than 2.42 is gated in constructs.ts), errors raised while the parser reduces (unknown
// function, offset / @ placement, bad durations, regexes ...), and only when none of those, the type rules.
// Queries of the common shapes skip lezer: fastParse.ts reads the same tree from the tokens.
import { SyntaxNode } from '@lezer/common';
import { AstBuilder, Expr } from './ast';
import { lexOptions, type Event, type SyntaxProblem } from './checkerBase';
import { fastParse } from './fastParse';
import type { LexError, Token } from './lexCursor';
import { lex } from './lexer';
import { parseLenient, parseStrict } from './promqlParsers';
import { Checker } from './syntaxWalk';
import { lezerText, tooComplex, trailingComma } from './tokenStream';
import { DEFAULT_TARGET, type PromqlTarget } from './target';
import { TypeChecker } from './typecheck';

export interface SyntaxResult {
  readonly error?: SyntaxProblem;
  /** The expression, when the query parses (it may still have a type error). */
  readonly ast?: Expr;
  /** Too deeply nested or too long a chain of operators to check beyond lexical errors. */
  readonly tooComplex?: boolean;
}

function hasError(n: SyntaxNode): boolean {
  let found = false;
  n.toTree().iterate({
    enter: (c) => {
      if (c.type.isError) found = true;
      return !found;
    },
  });
  return found;
}

function first(events: readonly Event[]): Event | undefined {
  let best: Event | undefined;
  for (const ev of events) {
    if (!best || ev.key < best.key || (ev.key === best.key && ev.phase < best.phase)) best = ev;
  }
  return best;
}

/** Parses with lezer and walks the tree into `checker`; where lezer stops, the error there and those recorded before it. */
function lezerPath(
  text: string,
  tokens: readonly Token[],
  lexError: LexError | undefined,
  checker: Checker,
  target: PromqlTarget,
): Expr | undefined {
  const events = checker.events;
  const words = { durationWords: lexOptions(target).durationKeywords, fillIsName: !checker.parses('binopFillModifiers') };
  const builder = new AstBuilder(text);
  // After a lexical error nothing more is read, so the parse only needs the text before it.
  const parsed = lexError ? text.slice(0, lexError.pos) : text;
  const { tree, failAt } = parseStrict(lezerText(parsed, tokens, words));
  if (!lexError && tokens.length === 1) {
    events.push({ from: 0, to: text.length, message: 'no expression found in input', code: 'syntax', key: 0, phase: 0 });
    return undefined;
  }
  if (tree) {
    const ast = builder.build(tree.topNode);
    if (ast) checker.walk(ast);
    return ast;
  }
  const failIndex = checker.indexEndingAfter(failAt);
  events.push(checker.syntaxAt(failIndex));
  // Errors recorded while reducing what came before the failure still come first: check the complete
  // expressions that end before it.
  const before = new Checker(text, tokens, target);
  const visit = (n: SyntaxNode): void => {
    if (n.from >= failAt) return;
    if (n.type.is('Expr') && n.to <= failAt && !hasError(n)) {
      const e = builder.build(n);
      if (e) before.walk(e);
      return;
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  if (failIndex > 0) {
    visit(parseLenient(lezerText(parsed, tokens, words)).topNode);
    // What precedes the failing token may be a complete query whose last reduction needs that token.
    const prefix = parseStrict(lezerText(text.slice(0, tokens[failIndex]?.start ?? failAt), tokens, words));
    const prefixAst = prefix.tree && builder.build(prefix.tree.topNode);
    if (prefixAst) before.walk(prefixAst);
  }
  for (const ev of before.events) if (ev.key < failIndex || (ev.key === failIndex && ev.phase <= 0)) events.push(ev);
  return undefined;
}

export function analyzeSyntax(text: string, target: PromqlTarget = DEFAULT_TARGET): SyntaxResult {
  const { tokens, error: lexError } = lex(text, lexOptions(target));
  const checker = new Checker(text, tokens, target);
  const events = checker.events;
  if (lexError) {
    events.push({
      from: lexError.pos,
      to: lexError.pos + 1,
      message: lexError.message,
      code: 'syntax',
      key: lexError.tokenIndex,
      phase: -1,
    });
  }
  if (tooComplex(tokens)) {
    // Beyond what lezer parses faithfully only the lexical check is exact: say so rather than guess.
    if (events.length) return { error: { ...events[0], to: Math.min(events[0].to, text.length) } };
    return { tooComplex: true };
  }
  checker.scanTokens();
  // The common shapes need no lezer parse: the same tree, read straight from the tokens.
  const fast = lexError ? undefined : fastParse(tokens);
  if (fast) checker.walk(fast);
  const ast = fast ?? lezerPath(text, tokens, lexError, checker, target);
  let err = first(events);
  // A token that cannot start an argument, right after a comma in a call: Prometheus blames the comma.
  const comma = err?.phase === 1 ? trailingComma(tokens, err.key) : undefined;
  if (err && comma)
    err = {
      from: comma.start,
      to: comma.end,
      message: 'trailing commas not allowed in function call args',
      code: 'syntax',
      key: err.key,
      phase: 0,
    };
  if (err) {
    // A range of at least one character where there is one, so editors can underline it.
    const to = Math.min(Math.max(err.to, err.from + 1), text.length);
    return { error: { from: err.from, to: Math.max(to, err.from), message: err.message, code: err.code } };
  }
  if (!ast) return {};
  const tc = new TypeChecker(text, target);
  tc.check(ast);
  const te = tc.errors[0];
  return te ? { error: { from: te.from, to: te.to, message: te.message, code: 'type' }, ast } : { ast };
}
