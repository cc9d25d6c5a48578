// Diagnostics as the PromQL target sees them; the validator applies these while it checks, so that its cap on
// problems counts what the user is shown. The checks follow Prometheus' PromQL:
// - against Prometheus, each diagnostic's `source` names the version checked ("promql 3.5.3"): VS Code shows the
//   source beside the message on hover and in the Problems view, while the message keeps Prometheus' own wording;
// - against VictoriaMetrics (MetricsQL extends PromQL) or an engine that is not recognisably Prometheus, a syntax
//   or type error may be a valid query there: errors are not reported, and one Information diagnostic at the top
//   of the document says why. Warnings and hints (unknown metrics, ranges) still hold.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { PromqlTarget } from './promql/target';

export const NOT_CHECKED_CODE = 'promql-dialect-not-checked';

export function notCheckedMessage(target: PromqlTarget): string {
  return target.dialect === 'metricsql'
    ? "OptiVolt checks Prometheus' PromQL; this server is VictoriaMetrics (MetricsQL): its extensions are not checked, so syntax and type errors are not reported."
    : `OptiVolt checks Prometheus' PromQL; this server is not recognisably Prometheus, so syntax and type errors are not reported (${target.reason}).`;
}

/** How the target's diagnostics are told: their source, whether errors are reported, the note that says they are not. */
export interface TargetView {
  readonly source: string;
  readonly reportsErrors: boolean;
  readonly note?: Diagnostic;
}

export function targetView(target: PromqlTarget): TargetView {
  if (target.dialect === 'prometheus') return { source: `promql ${target.version}`, reportsErrors: true };
  return {
    source: 'promql',
    reportsErrors: false,
    note: {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Information,
      message: notCheckedMessage(target),
      code: NOT_CHECKED_CODE,
      source: 'promql',
    },
  };
}
