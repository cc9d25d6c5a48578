import * as vscode from 'vscode';
import type { ServiceStatus } from '../../core/stack/stackManager';
import { errorMessage } from '../../core/errors';

type Node = { status?: ServiceStatus; message?: string };

/** The "Stack" view: each service of the monitoring stack with its state, health and port, and actions. */
export class StackView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;

  constructor(private readonly statuses: () => Promise<ServiceStatus[]>) {
    this.view = vscode.window.createTreeView('optivolt.stack', { treeDataProvider: this });
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return [];
    try {
      return (await this.statuses()).map((status) => ({ status }));
    } catch (err) {
      return [{ message: errorMessage(err) }];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (!node.status) {
      const item = new vscode.TreeItem(node.message ?? '', vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('warning');
      item.tooltip = node.message;
      return item;
    }
    const s = node.status;
    const item = new vscode.TreeItem(s.service, vscode.TreeItemCollapsibleState.None);
    const port = s.ports[0] ? `${s.ports[0].hostIp}:${s.ports[0].hostPort}` : '';
    item.description = [s.state, s.health, port].filter(Boolean).join(' · ');
    item.tooltip = `${s.containerName} (${s.image})\n${item.description}`;
    const running = s.state === 'running';
    item.iconPath = new vscode.ThemeIcon(
      running ? (s.health === 'unhealthy' ? 'warning' : 'pass-filled') : s.state === 'missing' ? 'circle-outline' : 'error',
      running ? new vscode.ThemeColor(s.health === 'unhealthy' ? 'problemsWarningIcon.foreground' : 'testing.iconPassed') : undefined,
    );
    // Grafana's own value: its inline action opens the embedded dashboard instead of the browser.
    item.contextValue = running ? `optivolt.service.running${s.service === 'grafana' ? '.grafana' : ''}` : s.state === 'missing' ? 'optivolt.service.missing' : 'optivolt.service.stopped';
    item.accessibilityInformation = { label: `${s.service}, ${item.description}` };
    return item;
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
