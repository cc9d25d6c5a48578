// Diagnostics of open documents: debounced after edits, checked query by query in short slices so that hover,
// completion and further edits are answered while a large document is being checked, and capped per document.
// A 5 MB document of invalid queries used to block the server for tens of seconds and then publish one message
// of hundreds of thousands of diagnostics (tens of MB) that no editor can show usefully.
// An edit usually touches one query: the problems of every query are kept per document by query text (offsets
// relative to the query), so a re-check analyses only the queries whose text changed; all are dropped when the
// target language or the metric knowledge changes.
import { DiagnosticSeverity, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { splitQueries } from '../shared/promqlDocument';
import { analyzeQuery } from './promql/diagnostics';
import { DEFAULT_TARGET, type PromqlTarget } from './promql/target';
import type { MetricLookup, Problem } from './promql/types';
import { targetView } from './targetDiagnostics';

export interface ValidatorOptions {
  /** Delay between the last edit and the check, in ms. */
  readonly debounceMs?: number;
  /** Diagnostics published per document; beyond it one note says how many more there are. */
  readonly maxProblems?: number;
  /** Longest stretch of checking between two turns of the event loop, in ms (25: a hover or keystroke waits at most about a frame and a half; shorter slices let garbage collection land inside the check and cost more than they give). */
  readonly sliceMs?: number;
  /** The PromQL language to check against, read at each check (a new object: every query is checked again). */
  readonly target?: () => PromqlTarget;
  /** A value that changes when what the server knows of metrics changes (MetricStore.generation): all re-checked. */
  readonly knowledge?: () => unknown;
}

export const MAX_PROBLEMS = 1000;

const SEVERITY: Record<Problem['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  hint: DiagnosticSeverity.Hint,
};

interface Run {
  cancelled: boolean;
}

/** One document's problems per query text, valid for one target and one state of the metric knowledge. */
interface Checked {
  readonly target: PromqlTarget;
  readonly knowledge: unknown;
  readonly byText: Map<string, readonly Problem[]>;
}

/**
 * A copy sharing no memory with the document: V8 keeps a substring (and a message built from one) as a view of
 * the whole text, so a cached query kept across edits would keep alive the version it was first seen in, one
 * whole document per edit.
 */
const detach = (s: string): string => Buffer.from(s, 'utf16le').toString('utf16le');

export class DocumentValidator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly runs = new Map<string, Run>();
  private readonly debounceMs: number;
  private readonly maxProblems: number;
  private readonly sliceMs: number;
  private readonly target: () => PromqlTarget;
  private readonly knowledge: () => unknown;
  private readonly checked = new Map<string, Checked>();

  constructor(
    private readonly publish: (params: PublishDiagnosticsParams) => void,
    private readonly metrics: MetricLookup,
    private readonly current: (uri: string) => TextDocument | undefined,
    options: ValidatorOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 150;
    this.maxProblems = options.maxProblems ?? MAX_PROBLEMS;
    this.sliceMs = options.sliceMs ?? 25;
    this.target = options.target ?? (() => DEFAULT_TARGET);
    this.knowledge = options.knowledge ?? (() => undefined);
  }

  /** Forgets every query's problems and checks the open documents again (after a change the options cannot see). */
  revalidateAll(): void {
    const uris = [...this.checked.keys()];
    this.checked.clear();
    for (const uri of uris) {
      const doc = this.current(uri);
      if (doc) this.schedule(doc);
    }
  }

  /** Checks the document once edits pause; a check of an older version still under way stops now. */
  schedule(doc: TextDocument): void {
    this.cancel(doc.uri);
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        const latest = this.current(doc.uri);
        if (latest) void this.validate(latest);
      }, this.debounceMs),
    );
  }

  close(uri: string): void {
    this.cancel(uri);
    this.checked.delete(uri);
    this.publish({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const uri of [...this.timers.keys(), ...this.runs.keys()]) this.cancel(uri);
    this.checked.clear();
  }

  private cancel(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    const run = this.runs.get(uri);
    if (run) run.cancelled = true;
    this.runs.delete(uri);
  }

  private async validate(doc: TextDocument): Promise<void> {
    const run: Run = { cancelled: false };
    this.runs.set(doc.uri, run);
    // The document object is updated in place by later edits: positions are computed only while it still
    // holds this version (checked after every pause).
    const version = doc.version;
    const target = this.target();
    const view = targetView(target);
    // The note saying a dialect is not checked comes first and is not one of the capped problems.
    const shown: Diagnostic[] = [];
    const head = view.note ? [view.note] : [];
    let hidden = 0;
    let firstHidden = 0;
    let toldCounting = false;
    let sliceEnd = Date.now() + this.sliceMs;
    const knowledge = this.knowledge();
    let checked = this.checked.get(doc.uri);
    if (checked?.target !== target || checked.knowledge !== knowledge) {
      checked = { target, knowledge, byText: new Map() };
      this.checked.set(doc.uri, checked);
    }
    // The texts this version holds: the others are dropped at the end, so the cache stays the document's size.
    const seen = new Set<string>();
    for (const block of splitQueries(doc.getText())) {
      let problems = checked.byText.get(block.text);
      if (!problems) {
        problems = analyzeQuery(block.text, this.metrics, target).map((p) => ({ ...p, message: detach(p.message) }));
        checked.byText.set(detach(block.text), problems);
      }
      seen.add(block.text);
      for (const p of problems) {
        if (p.severity === 'error' && !view.reportsErrors) continue;
        const from = p.from + block.start;
        if (shown.length < this.maxProblems) {
          shown.push({
            range: { start: doc.positionAt(from), end: doc.positionAt(Math.max(p.to + block.start, from)) },
            severity: SEVERITY[p.severity],
            message: p.message,
            code: p.code,
            source: view.source,
          });
        } else if (hidden++ === 0) firstHidden = from;
      }
      if (Date.now() < sliceEnd) continue;
      // The cap is reached and the rest is only counted: show what is known now rather than after the count.
      if (hidden && !toldCounting) {
        toldCounting = true;
        const counting = this.note(doc, firstHidden, 'more are still being counted', view.source);
        this.publish({ uri: doc.uri, version, diagnostics: [...head, ...shown, counting] });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (run.cancelled || doc.version !== version) return;
      sliceEnd = Date.now() + this.sliceMs;
    }
    this.runs.delete(doc.uri);
    for (const text of checked.byText.keys()) if (!seen.has(text)) checked.byText.delete(text);
    if (hidden) shown.push(this.note(doc, firstHidden, `${hidden.toLocaleString('en-US')} more are not shown`, view.source));
    this.publish({ uri: doc.uri, version, diagnostics: head.length ? [...head, ...shown] : shown });
  }

  /** One diagnostic where the first problem not shown is, saying how many are not. */
  private note(doc: TextDocument, offset: number, rest: string, source: string): Diagnostic {
    const at = doc.positionAt(offset);
    return {
      range: { start: at, end: at },
      severity: DiagnosticSeverity.Information,
      message: `Only the first ${this.maxProblems.toLocaleString('en-US')} problems of this document are shown; ${rest}.`,
      code: 'too-many-problems',
      source,
    };
  }
}
