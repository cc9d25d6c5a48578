import type { PowerStatus } from '../../shared/power';
import { energyFigures, formatCo2, formatCost, formatEnergy, formatWatts } from '../energy/cost';
import type { OptiVoltSettings } from '../settings';
import { SOURCE_LABEL } from './monitor';

/** What the status bar shows, computed from the one status object (kept free of `vscode` so it is unit-tested). */
export interface StatusView {
  /** Status bar text with codicons, e.g. "$(zap) ≈2.4 W". */
  readonly text: string;
  /** Markdown tooltip; command links need a trusted MarkdownString. */
  readonly tooltip: string;
  readonly tone: 'normal' | 'dim' | 'error';
  /** Short accessibility label. */
  readonly ariaLabel: string;
}

export type CostSettings = Pick<OptiVoltSettings, 'costPerKWh' | 'currency' | 'carbonIntensity'>;

const STATE_WORD = { starting: 'starting', live: 'live', stale: 'stale', error: 'error' } as const;

/** Escapes text for Markdown (paths and messages contain `_`, `*`, `[`...). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

export function statusView(s: PowerStatus, cost: CostSettings, sinceLabel: string): StatusView {
  const last = s.last;
  const value = last ? `${last.estimated ? '≈' : ''}${formatWatts(last.watts)}` : undefined;
  let text: string;
  let tone: StatusView['tone'] = 'normal';
  switch (s.state) {
    case 'starting':
      text = value ? `$(sync~spin) ${value}` : '$(sync~spin) OptiVolt';
      break;
    case 'live':
      text = `$(zap) ${value ?? '…'}`;
      break;
    case 'stale':
      text = `$(zap) ${value ?? '– W'} $(debug-disconnect)`;
      tone = 'dim';
      break;
    case 'error':
      text = value ? `$(zap) ${value} $(error)` : '$(zap) – W';
      tone = 'error';
      break;
  }

  const lines: string[] = [];
  const source = s.source ? SOURCE_LABEL[s.source] : 'none';
  const heading = last
    ? `**${md(value ?? '')}** host power${last.estimated ? ' — **estimate**, not a measurement' : ''}`
    : '**Host power**';
  lines.push(`$(zap) ${heading}`, '');
  lines.push(`Source: **${md(source)}** (${STATE_WORD[s.state]}, mode ${md(s.mode)})  `);
  lines.push(`${md(s.reason)}`, '');
  if (last && s.state === 'stale') lines.push(`_Last value from ${new Date(last.time).toLocaleTimeString()}, no fresh reading since._`, '');
  if (last && Object.keys(last.zones).length > 0) {
    lines.push('| Zone | Watts |', '|:--|--:|');
    for (const [zone, w] of Object.entries(last.zones)) lines.push(`| ${md(zone)} | ${md(formatWatts(w))} |`);
    lines.push('');
  }
  if (last) lines.push(`${md(last.detail)}`, '');
  const e = energyFigures(s.energyJoules, cost.costPerKWh, cost.carbonIntensity);
  lines.push(
    `Since ${md(sinceLabel)}: **${md(formatEnergy(e.joules))}** · ${md(formatCost(e.cost, cost.currency))} · ${md(formatCo2(e.co2Grams))}`,
    '',
  );
  lines.push(
    '[Power view](command:optivolt.showPower) · [Details](command:optivolt.showPowerDetails) · [Change source](command:optivolt.selectPowerSource) · [Log](command:optivolt.showLog)',
  );

  const aria = last
    ? `OptiVolt host power ${value}${last.estimated ? ' estimated' : ''}, ${STATE_WORD[s.state]}`
    : `OptiVolt ${STATE_WORD[s.state]}`;
  return { text, tooltip: lines.join('\n'), tone, ariaLabel: aria };
}
