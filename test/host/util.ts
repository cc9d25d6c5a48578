import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OptiVoltApi } from '../../src/client/extension';
import { until } from '../fixtures/until';
import { PrometheusProcess } from '../stack/prometheusProcess';

export const EXTENSION_ID = 'optivolt.optivolt';

/** The extension's test API: activate() returns it in ExtensionMode.Test only (this harness runs the host in it). */
export async function api(): Promise<OptiVoltApi> {
  const ext = vscode.extensions.getExtension<OptiVoltApi | undefined>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this extension host`);
  const returned = ext.isActive ? ext.exports : await ext.activate();
  if (!returned) throw new Error(`${EXTENSION_ID} returned no test API: the extension host does not run it in ExtensionMode.Test`);
  return returned;
}

/** Polls `probe` until it returns a truthy value or the deadline passes (then fails naming `what`): test/fixtures/until.ts. */
export function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<T> {
  return until(
    timeoutMs,
    async () => (await probe()) || undefined,
    () => `waiting for ${what}`,
    everyMs,
  );
}

/** Sets optivolt.<key> in user settings (undefined removes it). */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('optivolt').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Asks the harness's runner to check the workbench DOM now (set = statusbar | powerview) and waits for it. */
export async function runnerChecks(dir: string, set: string): Promise<void> {
  fs.writeFileSync(path.join(dir, `dom-request-${set}`), String(Date.now()));
  await waitFor(`the runner's ${set} DOM checks`, () => fs.existsSync(path.join(dir, `dom-done-${set}`)), 150000, 250);
}

/** A real Prometheus (Debian's binary, provisioned once) on a free loopback port, scraping itself. */
export async function startHostPrometheus(): Promise<PrometheusProcess> {
  process.env.PROMETHEUS_BIN ??= execFileSync('bash', [path.resolve(__dirname, '../../../test/harness/provision-prometheus.sh')], {
    encoding: 'utf8',
  }).trim();
  return PrometheusProcess.startSelfScraping();
}
