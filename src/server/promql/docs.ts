// The words shown to the user by completion, hover and signature help: keyword docs, function signatures, and
// a metric's card (type, unit, help, how to turn micro-units into Watts or Joules).
import { availability, describeGate, type Gate } from './gates';
import type { PromqlTarget } from './target';
import type { FunctionSpec, MetricInfo } from './types';

export const KEYWORD_DOCS: Readonly<Record<string, string>> = {
  by: '`by (labels)`: aggregate keeping only these labels.',
  without: '`without (labels)`: aggregate dropping these labels, keeping all others.',
  on: '`on (labels)`: match the two sides of a binary operation on these labels only.',
  ignoring: '`ignoring (labels)`: match the two sides of a binary operation on all labels but these.',
  group_left:
    '`group_left (labels)`: many-to-one matching; each left-hand series may match one right-hand series, whose listed labels are copied over.',
  group_right: '`group_right (labels)`: one-to-many matching, the mirror of `group_left`.',
  bool: '`bool`: a comparison returns 0 or 1 instead of filtering.',
  offset: '`offset 5m`: evaluate the selector as it was this long before the evaluation time.',
  '@': '`@ <unix time>` (or `@ start()`, `@ end()`): evaluate the selector at a fixed time.',
  start: '`start()`: the start of the range query (the evaluation time for an instant query).',
  end: '`end()`: the end of the range query (the evaluation time for an instant query).',
  and: '`and`: the left-hand series that have a matching series on the right.',
  or: '`or`: all left-hand series, plus the right-hand series that have no match on the left.',
  unless: '`unless`: the left-hand series that have no matching series on the right.',
  atan2: '`atan2`: arc tangent of left / right, element-wise, in radians.',
};

export function functionSignature(fn: FunctionSpec): string {
  const params = fn.args.map((t, i) => {
    const name = `${fn.argNames[i] ?? `arg${i + 1}`} ${t}`;
    const optional = fn.variadic > 0 && i >= fn.args.length - fn.variadic;
    const repeat = fn.variadic === -1 && i === fn.args.length - 1;
    return optional ? `[${name}]` : repeat ? `${name}...` : name;
  });
  return `${fn.name}(${params.join(', ')}) → ${fn.returns}`;
}

/**
 * What hover and signature help say of a gated function: its gate ("since Prometheus 3.5 · experimental (needs
 * --enable-feature=…)") and, when the target refuses it, why. Undefined for a function every target knows.
 */
export function gateMarkdown(g: Gate, target: PromqlTarget): string | undefined {
  const gate = describeGate(g);
  if (!gate) return undefined;
  const a = availability(g, target);
  if (a.ok) return `_${gate}_`;
  const why = a.why === 'not-enabled' ? 'not enabled' : a.why === 'removed' ? 'removed' : 'too new';
  return `_${gate}_\n\n**Not available here (${why})**: needs ${a.needs}; checking against Prometheus ${target.version} (${target.reason}).`;
}

const UNIT_HINTS: Readonly<Record<string, string>> = {
  microwatts: 'Divide by 1e6 for Watts: `… / 1e6`.',
  microjoules: 'A counter of microjoules: `increase(…[5m]) / 1e6` gives Joules over 5 minutes, `rate(…[5m]) / 1e6` gives Watts.',
  joules: '`rate(…[5m])` gives Watts; `increase(…[1h]) / 3.6e6` gives kWh.',
  millijoules: 'A counter of millijoules: `rate(…[5m]) / 1e3` gives Watts; `increase(…[1h]) / 3.6e9` gives kWh.',
};

/** A metric's card, in Markdown: name, type, unit, help, and the conversion it usually needs. */
export function metricMarkdown(m: MetricInfo): string {
  const head = `**${m.name}** · ${m.type}${m.unit ? ` · ${m.unit}` : ''}`;
  const lines = [head];
  if (m.help) lines.push('', m.help);
  const hint = m.unit ? UNIT_HINTS[m.unit] : undefined;
  if (hint) lines.push('', hint);
  if (m.labels?.length) lines.push('', `Labels: ${m.labels.map((l) => `\`${l}\``).join(', ')}`);
  lines.push('', `_${m.source === 'catalogue' ? 'OptiVolt catalogue' : 'from Prometheus metadata'}_`);
  return lines.join('\n');
}

/** A duration literal in plain words, e.g. 1h30m → "1h30m = 5400 s". Undefined when it is not one. */
export function describeDuration(text: string): string | undefined {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * units[m[2]];
    end = re.lastIndex;
  }
  if (end !== text.length || end === 0) return undefined;
  return `${text} = ${total >= 1 ? total.toLocaleString('en-US') : total} s`;
}
