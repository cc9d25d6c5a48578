// The process and container tables of the power view: their columns, the process filter, and the lines under
// the process table that account for the Watts no row shows (idle, exited processes).
import type { AttributionSnapshot, ContainerRow, ProcessRow } from '../../src/shared/attribution';
import { joulesCell, percentCell, shareCell, wattsCell, wattsText, type Unit } from '../common/format';
import { setText } from './layout';
import { SortableTable, type Column, type SortState } from './sortableTable';

export const DEFAULT_SORT: SortState = { column: 'watts', dir: 'descending' };

function wattsLabel(unit: Unit): string {
  return `Watts (${unit})`;
}

/** Grouped rows are keyed by name: their pid is only the first one's and may change between samples. */
/** The power columns both tables show (Watts in the chosen unit, share, CPU, energy), in this order. */
function powerColumns<R extends { watts: number; share: number; cpuPercent: number; energyJoules: number }>(unit: () => Unit): Column<R>[] {
  return [
    {
      id: 'watts',
      label: wattsLabel(unit()),
      width: '13ch',
      numeric: true,
      text: (r) => wattsCell(r.watts, unit()),
      sortValue: (r) => r.watts,
    },
    { id: 'share', label: 'Share %', width: '11ch', numeric: true, text: (r) => shareCell(r.share), sortValue: (r) => r.share },
    { id: 'cpu', label: 'CPU %', width: '10ch', numeric: true, text: (r) => percentCell(r.cpuPercent), sortValue: (r) => r.cpuPercent },
    {
      id: 'energy',
      label: 'Energy (J)',
      width: '13ch',
      numeric: true,
      text: (r) => joulesCell(r.energyJoules),
      sortValue: (r) => r.energyJoules,
    },
  ];
}

export function processKey(row: ProcessRow): string {
  return row.count !== undefined ? `name:${row.name}` : `pid:${row.pid}`;
}

/** Case-insensitive match on name, command line or pid; an empty filter keeps everything. */
export function filterProcesses(rows: readonly ProcessRow[], filter: string): readonly ProcessRow[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return rows;
  return rows.filter(
    (r) => r.name.toLowerCase().includes(needle) || r.cmdline.toLowerCase().includes(needle) || String(r.pid).includes(needle),
  );
}

export class ProcessTable {
  private readonly table: SortableTable<ProcessRow>;
  private unit: Unit = 'W';
  private containerNames = new Map<string, string>();

  constructor(
    element: HTMLTableElement,
    private readonly summary: HTMLElement,
    private readonly unattributed: HTMLElement,
    sort: SortState,
    onSort: (sort: SortState) => void,
  ) {
    const columns: Column<ProcessRow>[] = [
      {
        id: 'pid',
        label: 'PID',
        width: '9ch',
        numeric: true,
        text: (r) => (r.count !== undefined ? `×${r.count}` : String(r.pid)),
        sortValue: (r) => r.count ?? r.pid,
        title: (r) => (r.count !== undefined ? `${r.count} processes, first PID ${r.pid}` : ''),
      },
      { id: 'name', label: 'Name', text: (r) => r.name, sortValue: (r) => r.name, title: (r) => r.cmdline },
      ...powerColumns<ProcessRow>(() => this.unit),
      {
        id: 'container',
        label: 'Container',
        width: '14ch',
        text: (r) => r.containerId ?? '',
        sortValue: (r) => r.containerId ?? '',
        title: (r) => (r.containerId ? (this.containerNames.get(r.containerId) ?? '') : ''),
      },
    ];
    this.table = new SortableTable(element, columns, processKey, sort, onSort, true);
  }

  get sort(): SortState {
    return this.table.sort;
  }

  /** Call on scroll and resize: the table only holds the rows near the viewport. */
  reveal(): void {
    this.table.reveal();
  }

  render(snapshot: AttributionSnapshot | undefined, filter: string, unit: Unit): void {
    this.unit = unit;
    this.table.setLabel('watts', wattsLabel(unit));
    const all = snapshot?.processes ?? [];
    this.containerNames = new Map((snapshot?.containers ?? []).map((c) => [c.id, c.name]));
    const shown = filterProcesses(all, filter);
    this.table.render(shown);
    setText(this.summary, snapshot ? `showing ${shown.length} of ${snapshot.processCount} processes` : 'waiting for the first sample…');
    const extra: string[] = [];
    // Not "other processes": with Scaphandre's model (rows from Prometheus) and active-only this is idle power and
    // whatever no process is charged for.
    if (snapshot && snapshot.idleWatts > 0)
      extra.push(`idle / unattributed ${wattsText(snapshot.idleWatts, unit)} (${shareCell(snapshot.idleWatts / snapshot.hostWatts)} %)`);
    if (snapshot && snapshot.exitedWatts > 0) {
      extra.push(`exited processes ${wattsText(snapshot.exitedWatts, unit)} (${shareCell(snapshot.exitedWatts / snapshot.hostWatts)} %)`);
    }
    setText(this.unattributed, extra.length ? `Not in any row: ${extra.join(' · ')}` : '');
    this.unattributed.title = snapshot ? unattributedTitle(snapshot) : '';
    this.unattributed.hidden = extra.length === 0;
  }
}

/** Why part of host power is in no row, for the line's tooltip. */
export function unattributedTitle(s: AttributionSnapshot): string {
  if (s.model === 'capacity') {
    return "Idle / unattributed: each process is charged host power × its share of the CPU capacity (Scaphandre's model), so the processes together get host power × CPU utilisation; the rest is idle power nobody is charged for.";
  }
  if (s.model === 'active-only')
    return 'Idle / unattributed: host power up to the idle level is kept apart; only power above it is shared by CPU time.';
  return 'Exited processes: CPU time of processes that ended between two samples.';
}

export class ContainerTable {
  private readonly table: SortableTable<ContainerRow>;
  private readonly empty: HTMLTableCellElement;
  private unit: Unit = 'W';

  constructor(element: HTMLTableElement, sort: SortState, onSort: (sort: SortState) => void) {
    const columns: Column<ContainerRow>[] = [
      { id: 'name', label: 'Name', text: (r) => r.name || r.id, sortValue: (r) => r.name || r.id, title: (r) => r.id },
      { id: 'image', label: 'Image', text: (r) => r.image, sortValue: (r) => r.image, title: (r) => r.image },
      { id: 'service', label: 'Service', width: '14ch', text: (r) => r.service ?? '', sortValue: (r) => r.service ?? '' },
      { id: 'runtime', label: 'Runtime', width: '13ch', text: (r) => r.runtime, sortValue: (r) => r.runtime },
      ...powerColumns<ContainerRow>(() => this.unit),
    ];
    this.table = new SortableTable(element, columns, (r) => r.id, sort, onSort);
    // The empty state sits in a <tfoot> so `tbody tr` always counts containers only.
    const row = element.createTFoot().insertRow();
    row.className = 'empty';
    this.empty = row.insertCell();
    this.empty.colSpan = columns.length;
  }

  get sort(): SortState {
    return this.table.sort;
  }

  render(snapshot: AttributionSnapshot | undefined, unit: Unit): void {
    this.unit = unit;
    this.table.setLabel('watts', wattsLabel(unit));
    const rows = snapshot?.containers ?? [];
    this.table.render(rows);
    setText(this.empty, snapshot && rows.length === 0 ? 'No containers running' : '');
    (this.empty.parentElement as HTMLTableRowElement).hidden = !snapshot || rows.length > 0;
  }
}
