// Diagnostics of open documents: debounced after edits, checked query by query in short slices so that hover,
// completion and further edits are answered while a large document is being checked, and capped per document.
// A 5 MB document of invalid queries used to block the server for tens of seconds and then publish one message
// of hundreds of thousands of diagnostics (tens of MB) that no editor can show usefully.
import { DiagnosticSeverity, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { splitQueries } from '../shared/promqlDocument';
import { analyzeQuery } from './promql/diagnostics';
import type { Problem } from './promql/types';
import type { MetricLookup } from './promql/types';
import { DEFAULT_TARGET, type PromqlTarget } from './promql/target';

export interface ValidatorOptions {
  /** Delay between the last edit and the check, in ms. */
  readonly debounceMs?: number;
  /** Diagnostics published per document; beyond it one note says how many more there are. */
  readonly maxProblems?: number;
  /** Longest stretch of checking between two turns of the event loop, in ms. */
  readonly sliceMs?: number;
  /** The PromQL the documents are checked against, read at each check (it changes with the server and the settings). */
  readonly target?: () => PromqlTarget;
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

export class DocumentValidator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly runs = new Map<string, Run>();
  private readonly debounceMs: number;
  private readonly maxProblems: number;
  private readonly sliceMs: number;
  private readonly target: () => PromqlTarget;

  constructor(
    private readonly publish: (params: PublishDiagnosticsParams) => void,
    private readonly metrics: MetricLookup,
    private readonly current: (uri: string) => TextDocument | undefined,
    options: ValidatorOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 150;
    this.maxProblems = options.maxProblems ?? MAX_PROBLEMS;
    this.sliceMs = options.sliceMs ?? 10;
    this.target = options.target ?? (() => DEFAULT_TARGET);
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
    this.publish({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const uri of [...this.timers.keys(), ...this.runs.keys()]) this.cancel(uri);
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
    const shown: Diagnostic[] = [];
    let hidden = 0;
    let firstHidden = 0;
    let toldCounting = false;
    let sliceEnd = Date.now() + this.sliceMs;
    const target = this.target();
    for (const block of splitQueries(doc.getText())) {
      for (const p of analyzeQuery(block.text, this.metrics, target)) {
        const from = p.from + block.start;
        if (shown.length < this.maxProblems) {
          shown.push({
            range: { start: doc.positionAt(from), end: doc.positionAt(Math.max(p.to + block.start, from)) },
            severity: SEVERITY[p.severity],
            message: p.message,
            code: p.code,
            source: 'promql',
          });
        } else if (hidden++ === 0) firstHidden = from;
      }
      if (Date.now() < sliceEnd) continue;
      // The cap is reached and the rest is only counted: show what is known now rather than after the count.
      if (hidden && !toldCounting) {
        toldCounting = true;
        this.publish({ uri: doc.uri, version, diagnostics: [...shown, this.note(doc, firstHidden, 'more are still being counted')] });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (run.cancelled || doc.version !== version) return;
      sliceEnd = Date.now() + this.sliceMs;
    }
    this.runs.delete(doc.uri);
    if (hidden) shown.push(this.note(doc, firstHidden, `${hidden.toLocaleString('en-US')} more are not shown`));
    this.publish({ uri: doc.uri, version, diagnostics: shown });
  }

  /** One diagnostic where the first problem not shown is, saying how many are not. */
  private note(doc: TextDocument, offset: number, rest: string): Diagnostic {
    const at = doc.positionAt(offset);
    return {
      range: { start: at, end: at },
      severity: DiagnosticSeverity.Information,
      message: `Only the first ${this.maxProblems.toLocaleString('en-US')} problems of this document are shown; ${rest}.`,
      code: 'too-many-problems',
      source: 'promql',
    };
  }
}
