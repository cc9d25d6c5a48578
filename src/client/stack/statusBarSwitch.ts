// Start Monitoring's hand-over of the status bar to Prometheus, kept apart from stackActions.ts (no vscode) so the
// unit tier can run it against a real auth-enforcing server.
import { PrometheusSource } from '../../core/power/prometheusSource';
import type { PrometheusClient } from '../../core/prometheus/client';

/**
 * Polls the engine until it has power data (first scrapes take ~10 s), then calls `switched`. Each try asks for a
 * fresh client: a token stored meanwhile ("Set Prometheus Token") applies to the next try. False: none before `timeoutMs`.
 */
export async function waitForPrometheusPower(
  client: () => PrometheusClient,
  switched: () => void,
  timeoutMs = 60000,
  intervalMs = 2000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await new PrometheusSource(client(), true).read();
      switched();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  return false;
}
