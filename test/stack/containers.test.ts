// Per-container power on a real Docker engine: a container that burns CPU shows up with its name, image,
// compose service and a share of host power. The image is local/busybox:optivolt, imported from Debian's
// busybox-static by test/harness/provision-docker.sh: nothing is ever pulled.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import Docker from 'dockerode';
import type { PowerSample } from '../../src/shared/power';
import { ProcessSampler } from '../../src/core/attribution/processSampler';
import { ContainerDirectory } from '../../src/core/containers/containerDirectory';
import { until } from '../fixtures/until';

const IMAGE = 'local/busybox:optivolt';

/** utime + stime of a process, in clock ticks (100 a second): fields 14 and 15 of /proc/<pid>/stat. */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function host(watts: number): PowerSample {
  return { time: Date.now(), watts, source: 'estimate', estimated: true, zones: {}, detail: 'test', idleWatts: 2 };
}

describe('containers on a real Docker engine', function () {
  this.timeout(60000);
  const docker = new Docker();
  let container: Docker.Container | undefined;
  const name = `optivolt-test-burner-${process.pid}`;

  before(async function () {
    if (!process.env.OPTIVOLT_DOCKER) throw new Error('no Docker engine: run through test/harness/runTier.js stack');
    await docker.getImage(IMAGE).inspect(); // fails loudly if the local image is missing (never pull)
    container = await docker.createContainer({
      Image: IMAGE,
      name,
      Cmd: ['sh', '-c', 'while :; do :; done'],
      Labels: { 'com.docker.compose.service': 'burner', 'com.docker.compose.project': 'optivolt-test' },
      HostConfig: { AutoRemove: false },
    });
    await container.start();
  });

  after(async () => {
    await container?.remove({ force: true });
  });

  it('names the burning container and gives it a large share of host power', async () => {
    const directory = new ContainerDirectory(docker);
    await directory.start();
    const sampler = new ProcessSampler({ model: 'share-all', topN: 10, groupByName: false }, directory);
    try {
      const pid = (await container!.inspect()).State.Pid;
      const from = cpuTicks(pid);
      const t0 = process.hrtime.bigint();
      sampler.sample(host(20));
      // The shares are measured between the two samples: wait until the burner has used 1.5 s of CPU since the
      // first (one core's worth in 1.5 s when it runs freely), rather than a fixed 1.5 s a busy host may not give it.
      await until(15000, () => (cpuTicks(pid) - from >= 150 ? true : undefined), () => `the burner (pid ${pid}) used ${cpuTicks(pid) - from} of 150 ticks`);
      const snap = sampler.sample(host(20));
      // The burner's own CPU % over the same interval, read by the test: on a loaded machine a busy loop gets less
      // than a core, and the attribution must report what it got, not an assumed 100%.
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const measured = (cpuTicks(pid) - from) / seconds;
      assert.ok(snap, 'second sample attributes');
      const row = snap.containers.find((c) => c.name === name);
      assert.ok(row, `container ${name} in ${JSON.stringify(snap.containers)}`);
      assert.equal(row.image, IMAGE);
      assert.equal(row.service, 'burner');
      assert.equal(row.runtime, 'docker');
      assert.ok(row.share > 0.2, `a busy loop on a 2-core host takes a large share, got ${row.share}`);
      assert.ok(measured > 20, `the burner ran: ${measured.toFixed(1)} % of a core`);
      assert.ok(Math.abs(row.cpuPercent - measured) <= 10, `its CPU % as measured (${measured.toFixed(1)} % of a core), got ${row.cpuPercent}`);
      assert.ok(row.watts > 4, `share of 20 W, got ${row.watts}`);
      const proc = snap.processes.find((p) => p.containerId === row.id);
      assert.ok(proc, 'its process row carries the container id');
      assert.equal(proc.name, 'busybox');
      const total = snap.processes.reduce((s, p) => s + p.watts, 0) + snap.idleWatts + snap.exitedWatts;
      assert.ok(total <= 20 * 1.01, 'top rows never exceed host power');
      assert.equal(directory.notice, undefined);
    } finally {
      sampler.dispose();
      directory.dispose();
    }
  });

  it('learns a container started after the directory, from Docker events', async () => {
    const directory = new ContainerDirectory(docker);
    await directory.start();
    const late = await docker.createContainer({ Image: IMAGE, name: `${name}-late`, Cmd: ['sleep', '30'] });
    try {
      await late.start();
      const info = await late.inspect();
      // Before the 5 s throttle of lookups could refresh the list: only the event stream can name it this fast.
      const known = await until(4000, () => directory.get(info.Id), () => `${name}-late not named within 4 s`);
      assert.equal(known.name, `${name}-late`, 'named from the container event within 4 s');
    } finally {
      directory.dispose();
      await late.remove({ force: true });
    }
  });

  it('without a reachable engine, says so and keeps ids', async () => {
    const directory = new ContainerDirectory(new Docker({ socketPath: '/nonexistent/docker.sock' }));
    await directory.start();
    assert.match(directory.notice ?? '', /Docker not reachable/);
    assert.equal(directory.get('0'.repeat(64)), undefined);
    directory.dispose();
  });
});
