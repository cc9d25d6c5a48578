import { parseArgs, ParseArgsConfig } from 'node:util';
import type { OptiVoltSettings, SettingProblem } from '../core/settings';
import { flagOfSetting } from '../core/stack/optionNames';
import { errorMessage } from '../core/errors';
import { SOURCE_MODES, SourceMode } from '../shared/power';
import * as fs from 'node:fs';
import { parseHeaderLine } from '../core/prometheus/access';
import type { PushSample } from '../core/push/pushFormat';
import { pushIdentity } from '../core/push/pushIdentity';
import { minimalSamples } from '../core/push/pushResults';
import { pushgatewayTarget, pushSamples, PushTarget, PushUrlError, remoteWriteTarget } from '../core/push/pushTargets';

/** A bad command line: `main` prints its message as one line and exits 2. */
export class UsageError extends Error {}

/**
 * The flag that sets each setting on the command line (sample, measure, exporter; the stack's come from
 * core/stack/optionNames.ts, see flagOf). Core words its problems with setting keys (the extension's vocabulary); the CLI
 * rewords them with this table, so a CLI message never names a VS Code setting.
 */
export const SETTING_FLAGS: Partial<Record<keyof OptiVoltSettings, string>> = {
  'power.source': '--source',
  'power.powercapRoot': '--powercap-root',
  'prometheus.url': '--prometheus-url',
  'prometheus.headers': '--prometheus-header',
  'prometheus.caFile': '--prometheus-ca',
  refreshInterval: '--interval',
};

/** The flags that choose the power source, as `sample` and `measure` both take them. */
export const SOURCE_FLAGS = {
  source: { type: 'string' },
  'powercap-root': { type: 'string' },
  'proc-root': { type: 'string' },
  'prometheus-url': { type: 'string' },
  'prometheus-header': { type: 'string', multiple: true },
  'prometheus-ca': { type: 'string' },
  'prometheus-token-file': { type: 'string' },
  interval: { type: 'string' },
} as const;

type SourceFlagValues = { readonly [K in Exclude<keyof typeof SOURCE_FLAGS, 'prometheus-header'>]?: string } & {
  readonly 'prometheus-header'?: readonly string[];
};

/**
 * The Prometheus bearer token: `--prometheus-token-file FILE` (first line), else OPTIVOLT_PROMETHEUS_TOKEN. Never a
 * flag of its own: a command line is visible to every user of the machine (ps, /proc/PID/cmdline).
 */
export function prometheusToken(v: SourceFlagValues, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = v['prometheus-token-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--prometheus-token-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
    }
    const token = text.split(/\r?\n/)[0].trim();
    if (!token) throw new UsageError(`--prometheus-token-file: ${file} is empty`);
    return token;
  }
  return env.OPTIVOLT_PROMETHEUS_TOKEN?.trim() || undefined;
}

function headerFlags(lines: readonly string[] | undefined): Record<string, string> | undefined {
  if (!lines) return undefined;
  const out: Record<string, string> = {};
  for (const line of lines) {
    try {
      const [k, val] = parseHeaderLine(line);
      out[k] = val;
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
  }
  return out;
}

/** --source is checked before the settings are read: its message lists every mode, which the settings check does not. */
export function checkSourceMode(source: string | undefined): void {
  if (source !== undefined && !SOURCE_MODES.includes(source as SourceMode)) {
    throw new UsageError(`--source must be one of ${SOURCE_MODES.join(', ')} (got "${source}")`);
  }
}

/** The settings the source flags override (SETTING_FLAGS read backwards); `interval` falls back to the command's own default. */
export function sourceOverrides(v: SourceFlagValues, defaultIntervalMs?: number): Partial<Record<keyof OptiVoltSettings, unknown>> {
  return {
    'power.source': v.source,
    'power.powercapRoot': v['powercap-root'],
    'prometheus.url': v['prometheus-url'],
    'prometheus.headers': headerFlags(v['prometheus-header']),
    'prometheus.caFile': v['prometheus-ca'],
    refreshInterval: numberOrText(v.interval) ?? defaultIntervalMs,
  };
}

/** The CLI flag of a setting, if the CLI has one. */
export function flagOf(key: string): string | undefined {
  return SETTING_FLAGS[key as keyof OptiVoltSettings] ?? flagOfSetting(`optivolt.${key}`);
}

/**
 * Core text for the CLI: a setting it names (the power monitor's "Set by optivolt.power.source") becomes the flag
 * that sets it here. Settings without a flag on this command line are left as they are.
 */
export function inFlags(text: string): string {
  return text.replace(/optivolt\.(\w+(?:\.\w+)*)/g, (key: string, name: string) => flagOf(name) ?? key);
}

/** A settings problem in the CLI's words: the flag, what it accepts and what was given (no "using X": we exit). */
export function flagProblem(p: SettingProblem): string {
  const flag = flagOf(p.key) ?? `--${p.key}`;
  if (p.allowed) return `${flag} must be ${p.allowed} (got ${p.shown})`;
  // A reason that is not a "must ..." (a URL parser's) names the value itself.
  return p.reason.startsWith('must ') ? `${flag} ${p.reason} (got ${p.shown})` : `${flag}: ${p.reason}`;
}

/** Throws the first settings problem as a UsageError worded for the CLI (main prints one line and exits 2). */
export function refuseInvalid(invalid: readonly SettingProblem[]): void {
  if (invalid.length) throw new UsageError(flagProblem(invalid[0]));
}

/** A number flag's raw text as the settings check wants it: a number when it reads as one, else the text. */
export function numberOrText(raw: string | undefined): number | string | undefined {
  return raw !== undefined && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
}

/**
 * node:util parseArgs, with its errors as one-line UsageErrors. A negative number after an option that takes a value
 * (`--interval -5`) is given to that option, so its own check names the allowed range; parseArgs alone calls it
 * "ambiguous" (it could be a forgotten value followed by a short option).
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  allowPositionals = false,
  hint = '',
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    if (name !== undefined && options[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? '')) {
      joined.push(`--${name}=${args[++i]}`);
    } else joined.push(args[i]);
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(errorMessage(err).split('\n')[0] + hint);
  }
}

/**
 * The flags that push a result to the team's engine (history across machines), for every command that produces one
 * (`measure`, `profile`; `test` can spread them into its options and call parsePushFlags/pushResult the same way).
 */
export const PUSH_FLAGS = {
  push: { type: 'string' },
  'push-remote-write': { type: 'string' },
  'push-name': { type: 'string' },
  'push-minimal': { type: 'boolean' },
} as const;

export const PUSH_USAGE = `  --push URL               push the result to a Pushgateway (http://host:9091, pushgateway://host:9091, or its
                           /metrics/job/NAME URL), labelled repository, branch, commit, session, host (see README)
  --push-remote-write URL  push it to a Prometheus remote-write receiver instead or as well (e.g.
                           http://prometheus:9090/api/v1/write)
  --push-name NAME         the session label: a name that stays the same across commits (default: the command line)
  --push-minimal           push only energy and duration (and a profile's functions), without the host label:
                           the label scheme for many runners (see the README's Scale section)`;

type PushFlagValues = {
  readonly push?: string;
  readonly 'push-remote-write'?: string;
  readonly 'push-name'?: string;
  readonly 'push-minimal'?: boolean;
};

export interface PushPlan {
  readonly targets: readonly PushTarget[];
  readonly name?: string;
  readonly minimal: boolean;
}

export function num(name: string, raw: string | undefined, min: number, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} >= ${min} (got "${raw}")`);
  }
  return v;
}

/**
 * A push-size flag (--push-top, --push-tests): a whole number from 1 to `max`, `def` when absent, and only with a push
 * target (it limits what --push or --push-remote-write sends).
 */
export function pushLimit(name: string, raw: string | undefined, push: PushPlan | undefined, def: number, max: number): number {
  const n = num(name, raw, 1, true) ?? def;
  if (n > max) throw new UsageError(`--${name} must be at most ${max} (got "${raw}")`);
  if (raw !== undefined && !push) throw new UsageError(`--${name} limits what --push or --push-remote-write sends: add one`);
  return n;
}

/** The push targets, checked before anything runs (a bad URL after a long run would lose the result). */
export function parsePushFlags(v: PushFlagValues): PushPlan | undefined {
  const targets: PushTarget[] = [];
  try {
    if (v.push !== undefined) targets.push(pushgatewayTarget(v.push));
    if (v['push-remote-write'] !== undefined) targets.push(remoteWriteTarget(v['push-remote-write']));
  } catch (err) {
    if (err instanceof PushUrlError) throw new UsageError(err.message);
    throw err;
  }
  const name = v['push-name'];
  if (name !== undefined && name.trim() === '') throw new UsageError('--push-name needs a name');
  if (targets.length === 0) {
    if (name !== undefined) throw new UsageError('--push-name names what --push or --push-remote-write sends: add one');
    if (v['push-minimal']) throw new UsageError('--push-minimal trims what --push or --push-remote-write sends: add one');
    return undefined;
  }
  return { targets, name, minimal: v['push-minimal'] ?? false };
}

/** Pushes to every target, each failure said on stderr; false when any failed (the command then exits 1). */
export async function pushResult(plan: PushPlan, kind: string, defaultName: string, all: readonly PushSample[]): Promise<boolean> {
  const found = pushIdentity(plan.name ?? defaultName, process.cwd());
  const id = plan.minimal ? { ...found, host: '' } : found;
  const samples = plan.minimal ? minimalSamples(all) : all;
  let ok = true;
  for (const t of plan.targets) {
    try {
      const where = await pushSamples(t, id, kind, samples);
      process.stderr.write(
        `optivolt: pushed ${samples.length} samples to ${where} (commit ${id.commit.slice(0, 12)}, session "${id.session}")\n`,
      );
    } catch (err) {
      ok = false;
      process.stderr.write(`optivolt: ${errorMessage(err)}\n`);
    }
  }
  return ok;
}
