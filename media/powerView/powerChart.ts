// The live host-power chart (uPlot on a canvas). New points go in with setData; the chart is only re-created when
// its series change (a zone appears) or the theme's colours change. It follows the container's width and the
// VS Code theme.
import uPlot from 'uplot';
import type { HostPoint } from '../../src/shared/attribution';
import type { WindowMinutes } from '../../src/shared/webviews/powerViewProtocol';
import { readPalette, samePalette } from '../common/chartPalette';
import type { Unit } from '../common/format';

const HEIGHT = 220;

/** A translucent fill under the host line, when the colour is a plain hex we can extend with an alpha. */
function translucent(colour: string): string | undefined {
  return /^#[0-9a-f]{6}$/i.test(colour) ? `${colour}22` : undefined;
}

/** Zones worth a line: present in some point and not just a copy of the total (the estimate's 'cpu' zone). */
function visibleZones(points: readonly HostPoint[]): string[] {
  const zones = new Set<string>();
  for (const p of points) {
    for (const [zone, watts] of Object.entries(p.zones)) {
      if (!zones.has(zone) && Math.abs(watts - p.watts) > 1e-6 * Math.max(1, Math.abs(p.watts))) zones.add(zone);
    }
  }
  return [...zones].sort();
}

/** Index of the first point at or after `t` (points are in time order). */
function firstAtOrAfter(points: readonly HostPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class PowerChart {
  private plot: uPlot | undefined;
  private palette = readPalette();
  private zones: string[] = [];
  private unit: Unit = 'W';
  /** x range in seconds: the whole window, even before it has filled up. */
  private xRange: [number, number] = [0, 1];
  private readonly resizeObserver: ResizeObserver;
  private readonly themeObserver: MutationObserver;
  private data: uPlot.AlignedData = [[], []];

  constructor(private readonly container: HTMLElement) {
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: HEIGHT });
    });
    this.resizeObserver.observe(container);
    // VS Code swaps the body class (vscode-light / -dark / -high-contrast) and the --vscode-* variables on the
    // <html> style on a theme change; a dark-to-dark switch keeps the class, so watch both.
    this.themeObserver = new MutationObserver(() => this.onTheme());
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  }

  /** Shows the points of the last `windowMinutes` up to the newest one. */
  update(history: readonly HostPoint[], windowMinutes: WindowMinutes, unit: Unit): void {
    const last = history.length ? history[history.length - 1].t : Date.now();
    const from = last - windowMinutes * 60_000;
    const points = history.slice(firstAtOrAfter(history, from));
    const zones = visibleZones(points);
    this.xRange = [from / 1000, last / 1000];
    const data: uPlot.AlignedData = [
      points.map((p) => p.t / 1000),
      points.map((p) => p.watts),
      ...zones.map((z) => points.map((p) => p.zones[z] ?? null)),
    ];
    this.data = data;
    // The axis label and tick format follow the unit, so a unit change re-creates the chart like a new series.
    if (!this.plot || unit !== this.unit || zones.join('\n') !== this.zones.join('\n')) {
      this.unit = unit;
      this.zones = zones;
      this.create();
    } else {
      this.plot.setData(data);
    }
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.themeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  private onTheme(): void {
    const palette = readPalette();
    if (samePalette(palette, this.palette)) return;
    this.palette = palette;
    if (this.plot) this.create();
  }

  private create(): void {
    this.plot?.destroy();
    const p = this.palette;
    const colour = (i: number): string => p.series[i % p.series.length];
    const value = (_u: uPlot, v: number | null): string => (v == null ? '–' : this.format(v));
    const axis = (label?: string): uPlot.Axis => ({
      stroke: p.foreground,
      font: p.font,
      labelFont: p.font,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1 },
      ...(label ? { label, values: (_u: uPlot, splits: number[]) => this.ticks(splits), size: 60 } : {}),
    });
    const opts: uPlot.Options = {
      width: Math.max(200, Math.floor(this.container.clientWidth)),
      height: HEIGHT,
      scales: {
        x: { time: true, range: () => this.xRange },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      series: [
        { label: 'time' },
        { label: 'host', stroke: colour(0), width: 2, fill: translucent(colour(0)), value },
        ...this.zones.map((zone, i): uPlot.Series => ({ label: zone, stroke: colour(i + 1), width: 1, value })),
      ],
      // Time labels such as "3:30am" need more room than uPlot's default 50 px between ticks.
      axes: [{ ...axis(), space: 90 }, axis(this.unit === 'mW' ? 'mW' : 'W')],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.plot = new uPlot(opts, this.data, this.container);
  }

  /** Tick labels with the decimals their step needs, the same for all ticks. */
  private ticks(splits: number[]): string[] {
    const scale = this.unit === 'mW' ? 1000 : 1;
    const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) * scale : 1;
    const decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
    return splits.map((s) => (s * scale).toFixed(decimals));
  }

  private format(watts: number): string {
    return this.unit === 'mW' ? (watts * 1000).toFixed(0) : watts.toFixed(watts < 10 ? 2 : 1);
  }
}
