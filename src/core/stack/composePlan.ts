// Turns stack/docker-compose.yml into Docker Engine API calls (dockerode options), so the extension never
// shells out to `docker compose`. Pure: no Docker, no filesystem; the caller creates what the plan says.
//
// Service keys: supported = image, container_name (the container's name), command, entrypoint,
// environment, labels, ports, expose, volumes, networks (the stack network only), depends_on, cap_add,
// cap_drop, read_only, restart, extra_hosts, pid (host only), privileged, security_opt, healthcheck,
// hostname, user, working_dir, stop_grace_period, stop_signal, init, logging, tmpfs.
// Deliberately ignored (no effect on what runs): `x-*` extension keys, top-level `version`; except a service's
// `x-optivolt-restricted` map, whose keys replace the service's own when the caller asks for that service's
// restricted variant (StackOptions.restricted): the compose file keeps both forms as data, the CLI runs the default.
// Anything else (build, env_file, network_mode, devices, secrets, ...) is a StackError: silently dropping
// it would start something other than what the compose file describes.
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { parse } from 'yaml';
import { isRecord } from '../../shared/guards';
import { StackError, command, interpolate, interpolateDeep, keyValues, parseDuration, parsePort, restartPolicy, str, strList, type PublishedPort } from './composeValues';
import { errorMessage } from '../errors';

export { StackError, interpolate, splitCommand, parseDuration, type PublishedPort } from './composeValues';

export interface StackOptions {
  readonly stackDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly bind?: string;
  readonly ports?: Readonly<Record<string, number>>;
  readonly services?: readonly string[];
  readonly images?: Readonly<Record<string, string>>;
  readonly project?: string;
  readonly extraBinds?: Readonly<Record<string, readonly string[]>>;
  readonly replaceBinds?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Services planned with their `x-optivolt-restricted` keys in place of their own. */
  readonly restricted?: readonly string[];
}

/** The service extension key holding its restricted variant (see stack/docker-compose.yml, scaphandre). */
export const RESTRICTED_KEY = 'x-optivolt-restricted';

export interface ServicePlan {
  readonly service: string;
  readonly containerName: string;
  readonly image: string;
  readonly dependsOn: readonly string[];
  readonly ports: readonly PublishedPort[];
  readonly create: Docker.ContainerCreateOptions;
}

export interface StackPlan {
  readonly project: string;
  readonly network: { readonly name: string; readonly labels: Record<string, string> };
  readonly volumes: ReadonlyArray<{ readonly name: string; readonly labels: Record<string, string> }>;
  readonly services: readonly ServicePlan[];
}

const SUPPORTED_SERVICE_KEYS = new Set([
  'image', 'container_name', 'command', 'entrypoint', 'environment', 'labels', 'ports', 'expose', 'volumes',
  'networks', 'depends_on', 'cap_add', 'cap_drop', 'read_only', 'restart', 'extra_hosts', 'pid', 'privileged',
  'security_opt', 'healthcheck', 'hostname', 'user', 'working_dir', 'stop_grace_period', 'stop_signal', 'init',
  'logging', 'tmpfs', 'network_mode',
]);
const SUPPORTED_TOP_KEYS = new Set(['name', 'version', 'services', 'networks', 'volumes']);

const svcName = (s: string): string => `service "${s}"`;

// ---- planning --------------------------------------------------------------------------------------

interface Context {
  readonly project: string;
  readonly stackDir: string;
  readonly hostIp: string;
  readonly networkKey: string;
  readonly networkName: string;
  readonly volumeNames: ReadonlyMap<string, string>;
}

function checkServiceNames(what: string, names: Iterable<string>, valid: readonly string[]): void {
  for (const n of names) {
    if (!valid.includes(n)) throw new StackError(`Unknown service "${n}" in ${what}; the stack has: ${valid.join(', ')}.`);
  }
}

function hostPath(source: string, ctx: Context): string {
  if (source === '~' || source.startsWith('~/')) return path.join(os.homedir(), source.slice(1));
  return path.resolve(ctx.stackDir, source);
}

function planVolumes(service: string, raw: unknown, ctx: Context, opts: StackOptions, host: Docker.HostConfig, create: Docker.ContainerCreateOptions): void {
  const where = `${svcName(service)} volumes`;
  const binds: Array<{ source: string; target: string; mode: string }> = [];
  const mounts: Docker.MountSettings[] = [];
  const anonymous: Record<string, object> = {};
  const named = (source: string): string => {
    const name = ctx.volumeNames.get(source);
    if (name === undefined) throw new StackError(`${svcName(service)} uses volume "${source}", which is not declared under the top-level \`volumes:\`.`);
    return name;
  };
  for (const entry of (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]) as unknown[]) {
    if (isRecord(entry)) {
      const type = str(entry.type ?? 'volume', where);
      const target = str(entry.target, `${where}.target`);
      const readOnly = entry.read_only === true;
      if (type === 'bind') {
        const propagation = isRecord(entry.bind) && entry.bind.propagation !== undefined ? str(entry.bind.propagation, where) : undefined;
        binds.push({ source: hostPath(str(entry.source, `${where}.source`), ctx), target, mode: [readOnly ? 'ro' : '', propagation ?? ''].filter(Boolean).join(',') });
      } else if (type === 'volume') {
        if (entry.source === undefined || entry.source === null) anonymous[target] = {};
        else mounts.push({ Type: 'volume', Source: named(str(entry.source, where)), Target: target, ReadOnly: readOnly });
      } else if (type === 'tmpfs') {
        mounts.push({ Type: 'tmpfs', Source: '', Target: target, ReadOnly: readOnly });
      } else {
        throw new StackError(`Unsupported volume type "${type}" in ${where}.`);
      }
      continue;
    }
    const text = str(entry, where);
    const parts = text.split(':');
    if (parts.length === 1) {
      anonymous[text] = {};
      continue;
    }
    if (parts.length > 3) throw new StackError(`Cannot parse volume "${text}" in ${where}.`);
    const [source, target, mode = ''] = parts;
    if (source.startsWith('.') || source.startsWith('/') || source.startsWith('~')) {
      binds.push({ source: hostPath(source, ctx), target, mode });
    } else {
      const flags = mode.split(',').filter(Boolean);
      const bad = flags.filter((f) => f !== 'ro' && f !== 'rw' && f !== 'nocopy');
      if (bad.length) throw new StackError(`Unsupported option "${bad.join(',')}" for volume "${source}" in ${where}.`);
      mounts.push({ Type: 'volume', Source: named(source), Target: target, ReadOnly: flags.includes('ro') });
    }
  }
  for (const [target, newSource] of Object.entries(opts.replaceBinds?.[service] ?? {})) {
    const bind = binds.find((b) => b.target === target);
    if (!bind) throw new StackError(`replaceBinds: ${svcName(service)} has no bind mount at "${target}" (it has: ${binds.map((b) => b.target).join(', ') || 'none'}).`);
    if (!path.isAbsolute(newSource)) throw new StackError(`replaceBinds: "${newSource}" for ${svcName(service)} must be an absolute path.`);
    bind.source = newSource;
  }
  const extra = opts.extraBinds?.[service] ?? [];
  for (const b of extra) {
    if (!path.isAbsolute(b.split(':')[0]) || b.split(':').length < 2) throw new StackError(`extraBinds: "${b}" for ${svcName(service)} must be "/absolute/host/path:/container/path[:ro]".`);
  }
  const allBinds = [...binds.map((b) => `${b.source}:${b.target}${b.mode ? `:${b.mode}` : ''}`), ...extra];
  if (allBinds.length) host.Binds = allBinds;
  if (mounts.length) host.Mounts = mounts;
  if (Object.keys(anonymous).length) create.Volumes = anonymous;
}

function planService(service: string, svc: Record<string, unknown>, ctx: Context, opts: StackOptions, enabled: ReadonlySet<string>, allNames: readonly string[]): ServicePlan {
  const where = svcName(service);
  for (const key of Object.keys(svc)) {
    if (key.startsWith('x-')) continue;
    if (!SUPPORTED_SERVICE_KEYS.has(key)) throw new StackError(`${where}: \`${key}\` is not supported by OptiVolt's stack planner; remove it or run the stack with \`docker compose\`.`);
  }
  if (svc.network_mode !== undefined && svc.network_mode !== ctx.networkKey && svc.network_mode !== ctx.networkName) {
    throw new StackError(`${where}: \`network_mode: ${String(svc.network_mode)}\` is not supported (only the stack network "${ctx.networkName}").`);
  }
  const image = opts.images?.[service] ?? (svc.image === undefined ? undefined : str(svc.image, `${where} image`));
  if (!image) throw new StackError(`${where} has no \`image:\` (building images is not supported).`);
  const containerName = svc.container_name !== undefined ? str(svc.container_name, `${where} container_name`) : `${ctx.project}-${service}`;

  // depends_on: list or long form; dependencies on disabled services are dropped.
  const deps = Array.isArray(svc.depends_on) ? strList(svc.depends_on, `${where} depends_on`) : isRecord(svc.depends_on) ? Object.keys(svc.depends_on) : [];
  for (const d of deps) {
    if (!allNames.includes(d)) throw new StackError(`${where} depends on unknown service "${d}"; the stack has: ${allNames.join(', ')}.`);
  }
  const dependsOn = deps.filter((d) => enabled.has(d));

  // Ports: the address is always ctx.hostIp; opts.ports overrides the first one's host port.
  const ports = (Array.isArray(svc.ports) ? svc.ports : []).map((p: unknown, i: number) => parsePort(p, ctx.hostIp, `${where} ports[${i}]`));
  const override = opts.ports?.[service];
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < 1 || override > 65535) throw new StackError(`Port override ${override} for ${where} must be an integer between 1 and 65535.`);
    if (ports.length === 0) throw new StackError(`Port override for ${where}, which publishes no port.`);
    ports[0] = { ...ports[0], hostPort: override };
  }
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  for (const e of strList(svc.expose, `${where} expose`)) exposed[e.includes('/') ? e : `${e}/tcp`] = {};

  const labels: Record<string, string> = {};
  for (const [k, v] of keyValues(svc.labels, `${where} labels`)) labels[k] = v ?? '';
  Object.assign(labels, { 'com.optivolt.stack': 'true', 'com.optivolt.service': service, 'com.optivolt.project': ctx.project });

  // environment: a key without a value takes the caller's env (compose semantics), or is left out.
  const env: string[] = [];
  for (const [k, v] of keyValues(svc.environment, `${where} environment`)) {
    const value = v ?? opts.env[k];
    if (value !== undefined) env.push(`${k}=${value}`);
  }

  const host: Docker.HostConfig = { NetworkMode: ctx.networkName };
  if (ports.length) host.PortBindings = bindings;
  const create: Docker.ContainerCreateOptions = { name: containerName, Image: image, Labels: labels };
  planVolumes(service, svc.volumes, ctx, opts, host, create);

  const cmd = command(svc.command, `${where} command`);
  if (cmd) create.Cmd = cmd;
  const entrypoint = command(svc.entrypoint, `${where} entrypoint`);
  if (entrypoint) create.Entrypoint = entrypoint;
  if (env.length) create.Env = env;
  if (Object.keys(exposed).length) create.ExposedPorts = exposed;
  if (svc.hostname !== undefined) create.Hostname = str(svc.hostname, `${where} hostname`);
  if (svc.user !== undefined) create.User = str(svc.user, `${where} user`);
  if (svc.working_dir !== undefined) create.WorkingDir = str(svc.working_dir, `${where} working_dir`);
  if (svc.stop_signal !== undefined) create.StopSignal = str(svc.stop_signal, `${where} stop_signal`);
  if (svc.stop_grace_period !== undefined) create.StopTimeout = Math.ceil(parseDuration(str(svc.stop_grace_period, where), `${where} stop_grace_period`) / 1e9);

  if (svc.cap_add !== undefined) host.CapAdd = strList(svc.cap_add, `${where} cap_add`);
  if (svc.cap_drop !== undefined) host.CapDrop = strList(svc.cap_drop, `${where} cap_drop`);
  if (svc.read_only === true) host.ReadonlyRootfs = true;
  if (svc.privileged === true) host.Privileged = true;
  if (svc.init === true) host.Init = true;
  if (svc.restart !== undefined) host.RestartPolicy = restartPolicy(str(svc.restart, where), `${where} restart`);
  if (svc.pid !== undefined && svc.pid !== null) {
    if (svc.pid !== 'host') throw new StackError(`${where}: \`pid: ${String(svc.pid)}\` is not supported (only \`pid: host\`).`);
    host.PidMode = 'host';
  }
  if (svc.extra_hosts !== undefined) {
    // "host:ip", "host=ip" or a map; values such as `host-gateway` pass through for the Engine to resolve.
    host.ExtraHosts = keyValues(svc.extra_hosts, `${where} extra_hosts`, ['=', ':']).map(([h, ip]) => {
      if (ip === null) throw new StackError(`extra_hosts entry "${h}" in ${where} needs an address.`);
      return `${h}:${ip}`;
    });
  }
  if (svc.security_opt !== undefined) {
    const secOpts: string[] = [];
    for (const o of strList(svc.security_opt, `${where} security_opt`)) {
      // The CLI translates these; the Engine API takes MaskedPaths / ReadonlyPaths instead.
      if (o === 'systempaths=unconfined' || o === 'systempaths:unconfined') {
        host.MaskedPaths = [];
        host.ReadonlyPaths = [];
      } else if (/^seccomp[=:]/.test(o) && !/^seccomp[=:]unconfined$/.test(o)) {
        throw new StackError(`${where}: security_opt "${o}" (a seccomp profile file) is not supported.`);
      } else {
        secOpts.push(o);
      }
    }
    if (secOpts.length) host.SecurityOpt = secOpts;
  }
  if (svc.tmpfs !== undefined) {
    const list = typeof svc.tmpfs === 'string' ? [svc.tmpfs] : strList(svc.tmpfs, `${where} tmpfs`);
    host.Tmpfs = Object.fromEntries(list.map((t) => [t.split(':')[0], t.split(':').slice(1).join(':')]));
  }
  if (isRecord(svc.logging)) {
    const config: Record<string, string> = {};
    for (const [k, v] of keyValues(svc.logging.options, `${where} logging.options`)) config[k] = v ?? '';
    host.LogConfig = { Type: str(svc.logging.driver ?? 'json-file', `${where} logging.driver`), Config: config };
  }
  if (svc.healthcheck !== undefined) create.Healthcheck = healthcheck(svc.healthcheck, `${where} healthcheck`);

  // Networks: only the stack network; the service name is always an alias (as compose does).
  const aliases = [service];
  if (svc.networks !== undefined && svc.networks !== null) {
    const nets = Array.isArray(svc.networks) ? strList(svc.networks, `${where} networks`).map((n) => [n, null] as const) : isRecord(svc.networks) ? Object.entries(svc.networks) : [];
    for (const [n, cfg] of nets) {
      if (n !== ctx.networkKey) throw new StackError(`${where} joins network "${n}"; only the stack network "${ctx.networkKey}" is supported.`);
      if (isRecord(cfg) && cfg.aliases !== undefined) aliases.push(...strList(cfg.aliases, `${where} networks.${n}.aliases`));
    }
  }
  create.HostConfig = host;
  create.NetworkingConfig = { EndpointsConfig: { [ctx.networkName]: { Aliases: aliases } } };
  return { service, containerName, image, dependsOn, ports, create };
}

function healthcheck(raw: unknown, where: string): Docker.HealthConfig {
  if (!isRecord(raw)) throw new StackError(`Expected a map in ${where}.`);
  if (raw.disable === true) return { Test: ['NONE'] };
  const hc: Docker.HealthConfig = {};
  if (raw.test !== undefined) hc.Test = typeof raw.test === 'string' ? ['CMD-SHELL', raw.test] : strList(raw.test, `${where}.test`);
  const dur = (key: string): number | undefined => (raw[key] === undefined ? undefined : parseDuration(str(raw[key], `${where}.${key}`), `${where}.${key}`));
  const interval = dur('interval');
  const timeout = dur('timeout');
  const startPeriod = dur('start_period');
  const startInterval = dur('start_interval');
  if (interval !== undefined) hc.Interval = interval;
  if (timeout !== undefined) hc.Timeout = timeout;
  if (startPeriod !== undefined) hc.StartPeriod = startPeriod;
  if (startInterval !== undefined) hc.StartInterval = startInterval;
  if (raw.retries !== undefined) {
    const r = Number(raw.retries);
    if (!Number.isInteger(r) || r < 0) throw new StackError(`Invalid retries "${String(raw.retries)}" in ${where}.`);
    hc.Retries = r;
  }
  return hc;
}

/** The service as written, or with its restricted variant's keys replacing its own (`privileged: false` included). */
function variant(service: string, svc: Record<string, unknown>, opts: StackOptions): Record<string, unknown> {
  if (!opts.restricted?.includes(service)) return svc;
  const r = svc[RESTRICTED_KEY];
  if (!isRecord(r)) throw new StackError(`${svcName(service)} has no \`${RESTRICTED_KEY}\` map, so it has no restricted variant.`);
  for (const key of Object.keys(r)) {
    if (key.startsWith('x-')) throw new StackError(`${svcName(service)} ${RESTRICTED_KEY}: \`${key}\` cannot be nested.`);
  }
  return { ...svc, ...r };
}

/** Start order: each service after its dependencies, otherwise in file order. */
function startOrder(plans: readonly ServicePlan[]): ServicePlan[] {
  const byName = new Map(plans.map((p) => [p.service, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: ServicePlan[] = [];
  const visit = (name: string, trail: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new StackError(`Dependency cycle in depends_on: ${[...trail.slice(trail.indexOf(name)), name].join(' -> ')}.`);
    state.set(name, 'visiting');
    const plan = byName.get(name) as ServicePlan;
    for (const d of plan.dependsOn) visit(d, [...trail, name]);
    state.set(name, 'done');
    out.push(plan);
  };
  for (const p of plans) visit(p.service, []);
  return out;
}

function stackLabels(raw: unknown, project: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of keyValues(raw, where)) labels[k] = v ?? '';
  return { ...labels, 'com.optivolt.stack': 'true', 'com.optivolt.project': project };
}

export function planStack(composeText: string, opts: StackOptions): StackPlan {
  let doc: unknown;
  try {
    doc = parse(composeText, { merge: true });
  } catch (err) {
    throw new StackError(`The compose file is not valid YAML: ${errorMessage(err)}`);
  }
  if (!isRecord(doc) || !isRecord(doc.services)) throw new StackError('The compose file has no `services:` map.');
  for (const key of Object.keys(doc)) {
    if (!key.startsWith('x-') && !SUPPORTED_TOP_KEYS.has(key)) throw new StackError(`Top-level \`${key}\` in the compose file is not supported by OptiVolt's stack planner.`);
  }
  const project = opts.project ?? (typeof doc.name === 'string' && doc.name ? interpolate(doc.name, opts.env, 'the compose `name:`') : 'optivolt');
  const hostIp = opts.bind ?? '127.0.0.1';
  if (hostIp.trim() === '') throw new StackError('The bind address is empty (that would publish on every interface); use e.g. 127.0.0.1.');

  const allNames = Object.keys(doc.services);
  checkServiceNames('the enabled services', opts.services ?? [], allNames);
  checkServiceNames('the image overrides', Object.keys(opts.images ?? {}), allNames);
  checkServiceNames('the port overrides', Object.keys(opts.ports ?? {}), allNames);
  checkServiceNames('the extra binds', Object.keys(opts.extraBinds ?? {}), allNames);
  checkServiceNames('the replaced binds', Object.keys(opts.replaceBinds ?? {}), allNames);
  checkServiceNames('the restricted services', opts.restricted ?? [], allNames);
  const enabled = new Set(opts.services ?? allNames);

  // One network: the compose file's single declared network, or compose's `<project>_default`.
  const networks = isRecord(doc.networks) ? doc.networks : {};
  const netKeys = Object.keys(networks);
  if (netKeys.length > 1) throw new StackError(`The compose file declares ${netKeys.length} networks (${netKeys.join(', ')}); OptiVolt's planner supports one.`);
  const networkKey = netKeys[0] ?? 'default';
  const netCfg = (interpolateDeep(networks[networkKey] ?? {}, opts.env, `network "${networkKey}"`) ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(netCfg)) {
    if (!['name', 'labels', 'driver'].includes(k) || (k === 'driver' && netCfg.driver !== 'bridge')) throw new StackError(`network "${networkKey}": \`${k}\` is not supported.`);
  }
  const networkName = typeof netCfg.name === 'string' && netCfg.name ? netCfg.name : `${project}_${networkKey}`;

  const volumeNames = new Map<string, string>();
  const volumes: Array<{ name: string; labels: Record<string, string> }> = [];
  for (const [key, raw] of Object.entries(isRecord(doc.volumes) ? doc.volumes : {})) {
    const cfg = (interpolateDeep(raw ?? {}, opts.env, `volume "${key}"`) ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(cfg)) {
      if (!['name', 'labels', 'external', 'driver'].includes(k) || (k === 'driver' && cfg.driver !== 'local')) throw new StackError(`volume "${key}": \`${k}\` is not supported.`);
    }
    const name = typeof cfg.name === 'string' && cfg.name ? cfg.name : cfg.external === true ? key : `${project}_${key}`;
    volumeNames.set(key, name);
    if (cfg.external !== true) volumes.push({ name, labels: stackLabels(cfg.labels, project, `volume "${key}" labels`) });
  }

  const ctx: Context = { project, stackDir: opts.stackDir, hostIp, networkKey, networkName, volumeNames };
  const plans: ServicePlan[] = [];
  for (const name of allNames) {
    if (!enabled.has(name)) continue;
    const raw = doc.services[name];
    if (!isRecord(raw)) throw new StackError(`${svcName(name)} is not a map.`);
    plans.push(planService(name, interpolateDeep(variant(name, raw, opts), opts.env, svcName(name)) as Record<string, unknown>, ctx, opts, enabled, allNames));
  }

  const seen = new Map<string, string>();
  for (const p of plans) {
    for (const port of p.ports) {
      if (!port.hostPort) continue;
      const key = `${port.hostIp}:${port.hostPort}/${port.protocol}`;
      const other = seen.get(key);
      if (other) throw new StackError(`Host port ${port.hostPort} is published by both ${svcName(other)} and ${svcName(p.service)}; override one in the port settings.`);
      seen.set(key, p.service);
    }
  }

  // Only the volumes an enabled service mounts: `--services prometheus` must not leave an empty Grafana volume behind.
  const used = new Set(plans.flatMap((p) => (p.create.HostConfig?.Mounts ?? []).filter((m) => m.Type === 'volume').map((m) => m.Source)));
  return {
    project,
    network: { name: networkName, labels: stackLabels(netCfg.labels, project, `network "${networkKey}" labels`) },
    volumes: volumes.filter((v) => used.has(v.name)),
    services: startOrder(plans),
  };
}
