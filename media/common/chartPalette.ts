// Chart colours and font read from the VS Code theme, so the power view's and the PromQL Result's charts look
// alike and follow a theme change (samePalette tells when a chart must be re-created).

export interface Palette {
  readonly foreground: string;
  readonly grid: string;
  readonly font: string;
  readonly series: readonly string[];
}

/** Theme variables for the series, each with the Dark+ value as the fallback outside VS Code. */
const SERIES_VARS: readonly (readonly [string, string])[] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-charts-red', '#f14c4c'],
];

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-descriptionForeground', v('--vscode-foreground', '#cccccc')),
    grid: v('--vscode-charts-lines', v('--vscode-panel-border', 'rgba(128, 128, 128, 0.35)')),
    font: `${v('--vscode-font-size', '12px')} ${v('--vscode-font-family', 'system-ui, sans-serif')}`,
    series: SERIES_VARS.map(([name, fallback]) => v(name, fallback)),
  };
}

export const samePalette = (a: Palette, b: Palette): boolean =>
  a.foreground === b.foreground && a.grid === b.grid && a.font === b.font && a.series.join() === b.series.join();
