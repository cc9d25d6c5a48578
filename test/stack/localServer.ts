// A real server binary run by the stack tier as a plain process: its output in a log file, ready once an HTTP
// endpoint answers 2xx, stopped by its pid. Prometheus and VictoriaMetrics start and stop the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { until } from '../fixtures/until';

/** Spawns `bin` with `args`, its output in `logFile`; resolves once `readyUrl` answers 2xx, fails with the log's tail if it exits first. */
export async function spawnReady(name: string, bin: string, args: readonly string[], logFile: string, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', fs.openSync(logFile, 'w'), fs.openSync(logFile, 'a')] });
  const tail = (): string => fs.readFileSync(logFile, 'utf8').slice(-500);
  await until(
    20000,
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${tail()}`);
      try {
        return (await fetch(readyUrl)).ok ? child : undefined;
      } catch {
        return undefined; // not yet listening
      }
    },
    () => `${name} not ready: ${tail()}`,
  );
  return child;
}

/** SIGTERM, and wait until it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
