// Diagnostics as the PromQL target sees them, just before they are published. The checks follow Prometheus' PromQL:
// - against Prometheus, each diagnostic's `source` names the version checked ("promql 3.5.3"): VS Code shows the
//   source beside the message on hover and in the Problems view, while the message keeps Prometheus' own wording;
// - against VictoriaMetrics (MetricsQL extends PromQL) or an engine that is not recognisably Prometheus, a syntax
//   or type error may be a valid query there: errors are not reported, and one Information diagnostic at the top
//   of the document says why. Warnings and hints (unknown metrics, ranges) still hold.
import { DiagnosticSeverity, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver';
import type { PromqlTarget } from './promql/target';

export const NOT_CHECKED_CODE = 'promql-dialect-not-checked';

export function notCheckedMessage(target: PromqlTarget): string {
  return target.dialect === 'metricsql'
    ? "OptiVolt checks Prometheus' PromQL; this server is VictoriaMetrics (MetricsQL): its extensions are not checked, so syntax and type errors are not reported."
    : `OptiVolt checks Prometheus' PromQL; this server is not recognisably Prometheus, so syntax and type errors are not reported (${target.reason}).`;
}

export function forTarget(params: PublishDiagnosticsParams, target: PromqlTarget): PublishDiagnosticsParams {
  if (target.dialect === 'prometheus') {
    const source = `promql ${target.version}`;
    return { ...params, diagnostics: params.diagnostics.map((d) => (d.source === 'promql' ? { ...d, source } : d)) };
  }
  // A closed document's empty list stays empty: nothing is open to be told.
  if (!params.diagnostics.length && params.version === undefined) return params;
  const kept = params.diagnostics.filter((d) => d.severity !== DiagnosticSeverity.Error);
  const note: Diagnostic = {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    message: notCheckedMessage(target),
    code: NOT_CHECKED_CODE,
    source: 'promql',
  };
  return { ...params, diagnostics: [note, ...kept] };
}
