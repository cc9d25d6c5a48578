// Which container a process runs in, from the lines of /proc/<pid>/cgroup (cgroup v1 and v2).

export type ContainerRuntime = 'docker' | 'containerd' | 'podman' | 'crio' | 'kubernetes';

export interface ContainerRef {
  /** Full 64-hex container id. */
  readonly id: string;
  readonly runtime: ContainerRuntime;
  /** Kubernetes pod uid, when the path carries one. */
  readonly podUid?: string;
}

// Scope names and path segments each runtime uses, with the 64-hex id captured.
// docker:     /docker/<id>  (v1, cgroupfs)   /system.slice/docker-<id>.scope (systemd)
// containerd: /system.slice/containerd.service/...:cri-containerd:<id>  cri-containerd-<id>.scope
// podman:     /machine.slice/libpod-<id>.scope[/container]   /libpod_parent/libpod-<id>
// cri-o:      crio-<id>.scope
// kubernetes: /kubepods/<qos>/pod<uid>/<id>   kubepods-<qos>-pod<uid_with_underscores>.slice/<runtime>-<id>.scope
const PATTERNS: ReadonlyArray<readonly [RegExp, ContainerRuntime]> = [
  [/(?:^|\/)docker-([0-9a-f]{64})\.scope(?:\/|$)/, 'docker'],
  [/(?:^|\/)docker\/([0-9a-f]{64})(?:\/|$)/, 'docker'],
  [/cri-containerd[-:]([0-9a-f]{64})(?:\.scope)?(?:\/|$)/, 'containerd'],
  [/(?:^|\/)libpod-(?!conmon-)([0-9a-f]{64})(?:\.scope)?(?:\/|$)/, 'podman'],
  [/(?:^|\/)crio-(?!conmon-)([0-9a-f]{64})\.scope(?:\/|$)/, 'crio'],
  [/(?:^|\/)kubepods[^\n]*\/([0-9a-f]{64})(?:\/|$)/, 'kubernetes'],
];

const POD_UID = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;

/** Parses /proc/<pid>/cgroup text; undefined for a process outside any container. */
export function parseCgroup(text: string): ContainerRef | undefined {
  for (const line of text.split('\n')) {
    // hierarchy-ID:controller-list:cgroup-path — the path may itself contain ':' (containerd's systemd form).
    const parts = line.split(':');
    if (parts.length < 3) continue;
    const p = parts.slice(2).join(':');
    for (const [re, runtime] of PATTERNS) {
      const m = re.exec(p);
      if (!m) continue;
      const pod = POD_UID.exec(p);
      const inK8s = p.includes('kubepods');
      return {
        id: m[1],
        runtime: inK8s ? 'kubernetes' : runtime,
        ...(pod ? { podUid: pod[1].replace(/_/g, '-') } : {}),
      };
    }
  }
  return undefined;
}
