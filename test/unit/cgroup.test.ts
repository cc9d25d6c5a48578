// parseCgroup: which container a process runs in, from realistic /proc/<pid>/cgroup text of every runtime.
import { strict as assert } from 'node:assert';
import { parseCgroup } from '../../src/core/attribution/cgroup';

const ID = '3f9c2d1e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e';
const ID2 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const POD = '5b2f7c1e-9d3a-4e8b-a6c4-2f1e0d9c8b7a';
const POD_ = POD.replace(/-/g, '_');

/** A cgroup v1 file as a Docker container shows it: one line per hierarchy. */
const dockerV1 = (id: string): string =>
  [
    `12:cpuset:/docker/${id}`,
    `11:memory:/docker/${id}`,
    `10:pids:/docker/${id}`,
    `4:cpu,cpuacct:/docker/${id}`,
    `1:name=systemd:/docker/${id}`,
    '0::/system.slice/containerd.service',
    '',
  ].join('\n');

describe('parseCgroup', () => {
  describe('docker', () => {
    it('cgroup v1 (/docker/<id> on every hierarchy)', () => {
      assert.deepEqual(parseCgroup(dockerV1(ID)), { id: ID, runtime: 'docker' });
      assert.deepEqual(parseCgroup(`12:cpu,cpuacct:/docker/${ID}\n`), { id: ID, runtime: 'docker' });
    });
    it('cgroup v2, systemd driver (docker-<id>.scope), also with a nested cgroup below it', () => {
      assert.deepEqual(parseCgroup(`0::/system.slice/docker-${ID}.scope\n`), { id: ID, runtime: 'docker' });
      assert.deepEqual(parseCgroup(`0::/system.slice/docker-${ID}.scope/init.scope\n`), { id: ID, runtime: 'docker' });
    });
    it('cgroup v2, cgroupfs driver (/docker/<id>)', () => {
      assert.deepEqual(parseCgroup(`0::/docker/${ID}\n`), { id: ID, runtime: 'docker' });
    });
    it('the Docker and containerd daemons themselves are not containers', () => {
      assert.equal(parseCgroup('0::/system.slice/docker.service\n'), undefined);
      assert.equal(parseCgroup('0::/system.slice/containerd.service\n'), undefined);
      assert.equal(parseCgroup('0::/system.slice/docker.socket\n'), undefined);
    });
    it('an id that is not 64 hex characters is not a container', () => {
      assert.equal(parseCgroup(`0::/docker/${ID.slice(0, 63)}\n`), undefined);
      assert.equal(parseCgroup(`0::/system.slice/docker-${ID.slice(0, 12)}.scope\n`), undefined);
      assert.equal(parseCgroup(`0::/docker/${ID.toUpperCase()}\n`), undefined);
    });
  });

  describe('containerd', () => {
    it('cri-containerd-<id>.scope outside Kubernetes', () => {
      assert.deepEqual(parseCgroup(`0::/system.slice/cri-containerd-${ID}.scope\n`), { id: ID, runtime: 'containerd' });
    });
    it('systemd form with ":" in the path (containerd.service/<pod slice>:cri-containerd:<id>): a Kubernetes pod', () => {
      const text = `0::/system.slice/containerd.service/kubepods-burstable-pod${POD_}.slice:cri-containerd:${ID}\n`;
      // The path is a Kubernetes pod's: like every kubepods path it is reported as kubernetes, with its pod uid.
      assert.deepEqual(parseCgroup(text), { id: ID, runtime: 'kubernetes', podUid: POD });
    });
  });

  describe('podman', () => {
    it('libpod-<id>.scope/container (cgroup v2), rootful and rootless', () => {
      assert.deepEqual(parseCgroup(`0::/machine.slice/libpod-${ID}.scope/container\n`), { id: ID, runtime: 'podman' });
      assert.deepEqual(parseCgroup(`0::/machine.slice/libpod-${ID}.scope\n`), { id: ID, runtime: 'podman' });
      assert.deepEqual(parseCgroup(`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container\n`), {
        id: ID,
        runtime: 'podman',
      });
    });
    it('cgroup v1 (/libpod_parent/libpod-<id>)', () => {
      assert.deepEqual(parseCgroup(`5:memory:/libpod_parent/libpod-${ID}\n`), { id: ID, runtime: 'podman' });
    });
    it('conmon (libpod-conmon-<id>.scope) is not the container', () => {
      assert.equal(parseCgroup(`0::/machine.slice/libpod-conmon-${ID}.scope\n`), undefined);
    });
  });

  describe('cri-o', () => {
    it('crio-<id>.scope', () => {
      assert.deepEqual(parseCgroup(`0::/system.slice/crio-${ID}.scope\n`), { id: ID, runtime: 'crio' });
    });
    it('conmon (crio-conmon-<id>.scope) is not the container, in or out of Kubernetes', () => {
      assert.equal(parseCgroup(`0::/system.slice/crio-conmon-${ID}.scope\n`), undefined);
      assert.equal(
        parseCgroup(`0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_}.slice/crio-conmon-${ID}.scope\n`),
        undefined,
      );
    });
  });

  describe('kubernetes', () => {
    it('cgroup v1: /kubepods/<qos>/pod<uid>/<id> (and guaranteed pods without a qos level)', () => {
      assert.deepEqual(parseCgroup(`4:cpu,cpuacct:/kubepods/burstable/pod${POD}/${ID}\n`), { id: ID, runtime: 'kubernetes', podUid: POD });
      assert.deepEqual(parseCgroup(`4:cpu,cpuacct:/kubepods/besteffort/pod${POD}/${ID2}\n`), {
        id: ID2,
        runtime: 'kubernetes',
        podUid: POD,
      });
      assert.deepEqual(parseCgroup(`4:cpu,cpuacct:/kubepods/pod${POD}/${ID}\n`), { id: ID, runtime: 'kubernetes', podUid: POD });
    });
    it('cgroup v2, systemd driver: pod uid with underscores becomes the dashed uid', () => {
      const text = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_}.slice/cri-containerd-${ID}.scope\n`;
      assert.deepEqual(parseCgroup(text), { id: ID, runtime: 'kubernetes', podUid: POD });
    });
    it('cgroup v2 with cri-o and docker runtimes inside a pod are kubernetes too', () => {
      const crio = `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_}.slice/crio-${ID}.scope\n`;
      assert.deepEqual(parseCgroup(crio), { id: ID, runtime: 'kubernetes', podUid: POD });
      const docker = `0::/kubepods.slice/kubepods-pod${POD_}.slice/docker-${ID2}.scope\n`;
      assert.deepEqual(parseCgroup(docker), { id: ID2, runtime: 'kubernetes', podUid: POD });
    });
    it('the pod slice itself (no container below it) is not a container', () => {
      assert.equal(parseCgroup(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_}.slice\n`), undefined);
    });
  });

  describe('host processes', () => {
    it('login sessions, the root cgroup, init and system services are not containers', () => {
      for (const text of [
        '0::/user.slice/user-1000.slice/session-2.scope\n',
        '0::/\n',
        '0::/init.scope\n',
        '0::/system.slice/ssh.service\n',
        '0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-code.scope\n',
        '12:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/init.scope\n',
      ]) {
        assert.equal(parseCgroup(text), undefined, JSON.stringify(text));
      }
    });
    it('empty text and garbage are undefined', () => {
      for (const text of ['', '\n', 'garbage', `no colons ${ID}`]) assert.equal(parseCgroup(text), undefined, JSON.stringify(text));
    });
  });
});
