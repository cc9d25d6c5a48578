// The curated metric catalogue: the series an energy-aware developer queries, with their type, unit, help and
// usual labels, as the exporters document them (Scaphandre 1.0, node-exporter 1.x, cAdvisor 0.49, Kepler 0.7
// and 0.10+, NVIDIA dcgm-exporter 4.x). It is what completion, hover and the semantic checks know offline; live metadata from
// Prometheus is merged over it (src/server/promql/metrics.ts).
import type { MetricInfo, MetricType } from './types';

type Row = readonly [name: string, type: MetricType, unit: string, help: string, labels?: readonly string[]];

// Scaphandre's process labels (hubblo-org/scaphandre src/exporters/mod.rs@v1.0.3:954-960, src/sensors/utils.rs@v1.0.3:
// 444-530): exe is the full path of /proc/PID/exe ('' when unreadable, and Prometheus drops empty labels); cmdline is
// argv concatenated with NO separator ("nodeserver.js"), `"` as `_`, no backslashes or newlines; with --containers
// and Docker reachable: container_scheduler ("docker"), container_id (the full 64-hex id), container_names (all
// names concatenated), container_docker_version and container_label_<key> (`- . : space` in the key as `_`).
const PROC = [
  'pid',
  'exe',
  'cmdline',
  'container_scheduler',
  'container_id',
  'container_names',
  'container_docker_version',
  'container_label_com_docker_compose_service',
  'container_label_com_docker_compose_project',
];
const CADV = ['id', 'name', 'image', 'container_label_com_docker_compose_service'];
const KEP_C = ['container_id', 'container_name', 'container_namespace', 'pod_name', 'mode'];
const KEP_P = ['pid', 'command', 'container_id', 'mode'];
const KEP_N = ['zone', 'path', 'node_name'];
const KEP_PROC = ['pid', 'comm', 'exe', 'type', 'state', 'container_id', 'vm_id', 'zone', 'node_name'];
const KEP_CNTR = ['container_id', 'container_name', 'runtime', 'state', 'zone', 'pod_id', 'node_name'];
const KEP_POD = ['pod_id', 'pod_name', 'pod_namespace', 'state', 'zone', 'node_name'];
const KEP_VM = ['vm_id', 'vm_name', 'hypervisor', 'state', 'zone', 'node_name'];
const KEP_GPU = ['gpu', 'gpu_uuid', 'gpu_name', 'vendor', 'node_name'];
// dcgm-exporter's GPU labels (NVIDIA/dcgm-exporter internal/pkg/rendermetrics/render_metrics.go@4.5.3-4.8.2): the UUID
// label is `UUID` (`uuid` with --use-old-namespace), `Hostname` (`hostname` on main after that tag), plus pod,
// namespace and container on Kubernetes.
const DCGM = ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName', 'Hostname', 'hostname', 'pod', 'namespace', 'container'];

const ROWS: readonly Row[] = [
  // Scaphandre (hubblo-org/scaphandre), port 8080: host, socket, domain and per-process power.
  [
    'scaph_host_power_microwatts',
    'gauge',
    'microwatts',
    'Power drawn by the whole host, in microwatts (divide by 1e6 for Watts). value_source="powercap_rapl_psys" when it is the platform (psys) counter; Scaphandre puts no value_source on a host without psys; OptiVolt\'s exporter says "estimate" when it estimates.',
    ['value_source'],
  ],
  [
    'scaph_host_energy_microjoules',
    'counter',
    'microjoules',
    'Energy drawn by the whole host, in microjoules. In Scaphandre, without psys this is the raw SUM of every package and DRAM RAPL counter: it drops whenever one of them wraps, which increase() takes for a reset and over-counts. For Joules over a window prefer sum(increase(scaph_socket_energy_microjoules[...])) + sum(increase(scaph_domain_energy_microjoules{domain_name="dram"}[...])), or integrate scaph_host_power_microwatts.',
    ['value_source'],
  ],
  ['scaph_host_load_avg_one', 'gauge', '', 'Host load average over 1 minute.'],
  ['scaph_host_load_avg_five', 'gauge', '', 'Host load average over 5 minutes.'],
  ['scaph_host_load_avg_fifteen', 'gauge', '', 'Host load average over 15 minutes.'],
  ['scaph_host_cpu_frequency', 'gauge', 'megahertz', 'Global frequency of all the CPU cores, in MHz.'],
  ['scaph_host_memory_total_bytes', 'gauge', 'bytes', 'Host memory, in bytes.'],
  ['scaph_host_memory_available_bytes', 'gauge', 'bytes', 'Host memory available for new work, in bytes.'],
  ['scaph_host_memory_free_bytes', 'gauge', 'bytes', 'Host memory unused, in bytes.'],
  ['scaph_host_swap_total_bytes', 'gauge', 'bytes', 'Host swap space, in bytes.'],
  ['scaph_host_swap_free_bytes', 'gauge', 'bytes', 'Host swap space unused, in bytes.'],
  [
    'scaph_socket_power_microwatts',
    'gauge',
    'microwatts',
    'Power drawn by one CPU socket (RAPL package domain), in microwatts.',
    ['socket_id'],
  ],
  [
    'scaph_socket_energy_microjoules',
    'counter',
    'microjoules',
    'Energy drawn by one CPU socket, in microjoules: the raw RAPL package counter, which wraps at its max_energy_range_uj (a reset to increase()).',
    ['socket_id'],
  ],
  [
    'scaph_domain_power_microwatts',
    'gauge',
    'microwatts',
    'Power drawn by one RAPL domain of a socket (core, uncore, dram), in microwatts. domain_id is the numeric zone index (M of intel-rapl:N:M).',
    ['domain_name', 'domain_id', 'socket_id'],
  ],
  [
    'scaph_domain_energy_microjoules',
    'counter',
    'microjoules',
    'Energy drawn by one RAPL domain of a socket (core, uncore, dram), in microjoules: the raw RAPL counter, which wraps at its max_energy_range_uj. domain_id is the numeric zone index.',
    ['domain_name', 'domain_id', 'socket_id'],
  ],
  [
    'scaph_process_power_consumption_microwatts',
    'gauge',
    'microwatts',
    'Power attributed to the process, in microwatts: host power × the process\'s share of the CPU capacity of all cores over the last interval. All processes together add up to host power × CPU utilisation; the rest is idle power nobody is charged. Labels: exe is the full executable path; cmdline is argv concatenated with no separator (match "nodeserver.js", not "node server.js").',
    PROC,
  ],
  [
    'scaph_process_cpu_usage_percentage',
    'gauge',
    'percent',
    "CPU time used by the process over the last interval, in % of ALL the host's cores (100 = every core busy; multiply by the core count for top's % of one core).",
    PROC,
  ],
  [
    'optivolt_process_power_microwatts',
    'gauge',
    'microwatts',
    "OptiVolt's exporter: power attributed to the process by OptiVolt's own model (label model: share-all = all host power by share of busy CPU time; active-only = power above idle by share of busy CPU time), in microwatts; only processes that ran in the interval.",
    [...PROC, 'model'],
  ],
  ['scaph_process_memory_bytes', 'gauge', 'bytes', 'Resident memory of the process, in bytes.', PROC],
  ['scaph_process_memory_virtual_bytes', 'gauge', 'bytes', 'Virtual memory of the process, in bytes.', PROC],
  ['scaph_process_disk_read_bytes', 'gauge', 'bytes', 'Bytes the process read from disk over the last interval.', PROC],
  ['scaph_process_disk_write_bytes', 'gauge', 'bytes', 'Bytes the process wrote to disk over the last interval.', PROC],
  [
    'scaph_process_disk_total_read_bytes',
    'gauge',
    'bytes',
    'Bytes the process read from disk since it started (Scaphandre exposes it as a gauge).',
    PROC,
  ],
  [
    'scaph_process_disk_total_write_bytes',
    'gauge',
    'bytes',
    'Bytes the process wrote to disk since it started (Scaphandre exposes it as a gauge).',
    PROC,
  ],
  ['scaph_self_memory_bytes', 'gauge', 'bytes', "Scaphandre's own resident memory, in bytes."],
  ['scaph_self_version', 'gauge', '', 'Version of the running Scaphandre (as the value).'],

  // node-exporter (prometheus/node_exporter), port 9100.
  [
    'node_cpu_seconds_total',
    'counter',
    'seconds',
    'Seconds the CPUs spent in each mode (user, system, idle, iowait, irq, softirq, steal, nice).',
    ['cpu', 'mode'],
  ],
  ['node_cpu_guest_seconds_total', 'counter', 'seconds', 'Seconds the CPUs spent running guests (VMs), per mode.', ['cpu', 'mode']],
  ['node_cpu_scaling_frequency_hertz', 'gauge', 'hertz', 'Current scaled frequency of the CPU, in hertz.', ['cpu']],
  ['node_cpu_frequency_max_hertz', 'gauge', 'hertz', 'Maximum frequency of the CPU, in hertz.', ['cpu']],
  [
    'node_rapl_package_joules_total',
    'counter',
    'joules',
    'Energy of the RAPL package domain, in Joules (rate() gives Watts).',
    ['index', 'path'],
  ],
  ['node_rapl_core_joules_total', 'counter', 'joules', 'Energy of the RAPL core (PP0) domain, in Joules.', ['index', 'path']],
  [
    'node_rapl_uncore_joules_total',
    'counter',
    'joules',
    'Energy of the RAPL uncore (PP1, integrated GPU) domain, in Joules.',
    ['index', 'path'],
  ],
  ['node_rapl_dram_joules_total', 'counter', 'joules', 'Energy of the RAPL DRAM domain, in Joules.', ['index', 'path']],
  ['node_rapl_psys_joules_total', 'counter', 'joules', 'Energy of the RAPL psys (whole platform) domain, in Joules.', ['index', 'path']],
  ['node_hwmon_power_average_watt', 'gauge', 'watts', 'Average power reported by a hardware monitor chip, in Watts.', ['chip', 'sensor']],
  ['node_hwmon_temp_celsius', 'gauge', 'celsius', 'Temperature reported by a hardware monitor chip, in °C.', ['chip', 'sensor']],
  ['node_thermal_zone_temp', 'gauge', 'celsius', 'Temperature of a thermal zone, in °C.', ['type', 'zone']],
  ['node_load1', 'gauge', '', 'Load average over 1 minute.'],
  ['node_load5', 'gauge', '', 'Load average over 5 minutes.'],
  ['node_load15', 'gauge', '', 'Load average over 15 minutes.'],
  ['node_procs_running', 'gauge', '', 'Processes in runnable state.'],
  ['node_procs_blocked', 'gauge', '', 'Processes blocked waiting for I/O to complete.'],
  ['node_context_switches_total', 'counter', '', 'Context switches.'],
  ['node_intr_total', 'counter', '', 'Interrupts serviced.'],
  ['node_forks_total', 'counter', '', 'Forks (processes and threads created).'],
  ['node_boot_time_seconds', 'gauge', 'seconds', 'Boot time, as a Unix timestamp in seconds.'],
  ['node_time_seconds', 'gauge', 'seconds', 'System time, as a Unix timestamp in seconds.'],
  ['node_memory_MemTotal_bytes', 'gauge', 'bytes', 'Total usable memory, in bytes (/proc/meminfo MemTotal).'],
  ['node_memory_MemFree_bytes', 'gauge', 'bytes', 'Unused memory, in bytes (/proc/meminfo MemFree).'],
  [
    'node_memory_MemAvailable_bytes',
    'gauge',
    'bytes',
    'Memory available for new work without swapping, in bytes (/proc/meminfo MemAvailable).',
  ],
  ['node_memory_Buffers_bytes', 'gauge', 'bytes', 'Memory in buffers, in bytes.'],
  ['node_memory_Cached_bytes', 'gauge', 'bytes', 'Memory in the page cache, in bytes.'],
  ['node_memory_SwapTotal_bytes', 'gauge', 'bytes', 'Total swap, in bytes.'],
  ['node_memory_SwapFree_bytes', 'gauge', 'bytes', 'Unused swap, in bytes.'],
  ['node_disk_read_bytes_total', 'counter', 'bytes', 'Bytes read from the disk.', ['device']],
  ['node_disk_written_bytes_total', 'counter', 'bytes', 'Bytes written to the disk.', ['device']],
  ['node_disk_io_time_seconds_total', 'counter', 'seconds', 'Seconds spent doing I/Os on the disk.', ['device']],
  ['node_disk_reads_completed_total', 'counter', '', 'Reads completed on the disk.', ['device']],
  ['node_disk_writes_completed_total', 'counter', '', 'Writes completed on the disk.', ['device']],
  ['node_filesystem_size_bytes', 'gauge', 'bytes', 'Filesystem size, in bytes.', ['device', 'fstype', 'mountpoint']],
  [
    'node_filesystem_avail_bytes',
    'gauge',
    'bytes',
    'Filesystem space available to non-root users, in bytes.',
    ['device', 'fstype', 'mountpoint'],
  ],
  ['node_filesystem_free_bytes', 'gauge', 'bytes', 'Filesystem free space, in bytes.', ['device', 'fstype', 'mountpoint']],
  ['node_network_receive_bytes_total', 'counter', 'bytes', 'Bytes received by the network device.', ['device']],
  ['node_network_transmit_bytes_total', 'counter', 'bytes', 'Bytes transmitted by the network device.', ['device']],
  ['node_network_receive_packets_total', 'counter', '', 'Packets received by the network device.', ['device']],
  ['node_network_transmit_packets_total', 'counter', '', 'Packets transmitted by the network device.', ['device']],
  ['node_pressure_cpu_waiting_seconds_total', 'counter', 'seconds', 'Seconds processes waited for CPU (pressure stall information).'],
  ['node_pressure_memory_waiting_seconds_total', 'counter', 'seconds', 'Seconds processes waited for memory (pressure stall information).'],
  ['node_pressure_io_waiting_seconds_total', 'counter', 'seconds', 'Seconds processes waited for I/O (pressure stall information).'],
  ['node_power_supply_online', 'gauge', '', 'Whether the power supply is online (1) or not (0).', ['power_supply']],
  ['node_power_supply_power_watt', 'gauge', 'watts', 'Power drawn from or into the battery, in Watts.', ['power_supply']],
  ['node_power_supply_capacity', 'gauge', 'percent', 'Battery charge, in %.', ['power_supply']],
  [
    'node_uname_info',
    'gauge',
    '',
    'Labeled system information as provided by the uname system call (value 1).',
    ['sysname', 'release', 'version', 'machine', 'nodename'],
  ],
  [
    'node_os_info',
    'gauge',
    '',
    'Labeled operating system information from /etc/os-release (value 1).',
    ['id', 'name', 'pretty_name', 'version'],
  ],
  ['node_exporter_build_info', 'gauge', '', 'Labeled build information of node-exporter (value 1).', ['version', 'revision', 'goversion']],

  // cAdvisor (google/cadvisor), port 8081 in the stack: per-container resources.
  [
    'container_cpu_usage_seconds_total',
    'counter',
    'seconds',
    'Cumulative CPU time consumed by the container, in seconds (rate() gives cores in use).',
    [...CADV, 'cpu'],
  ],
  ['container_cpu_user_seconds_total', 'counter', 'seconds', 'Cumulative user CPU time consumed by the container, in seconds.', CADV],
  ['container_cpu_system_seconds_total', 'counter', 'seconds', 'Cumulative system CPU time consumed by the container, in seconds.', CADV],
  [
    'container_cpu_cfs_throttled_seconds_total',
    'counter',
    'seconds',
    'Total time the container was throttled by its CPU quota, in seconds.',
    CADV,
  ],
  ['container_cpu_cfs_periods_total', 'counter', '', 'Enforcement periods elapsed under a CPU quota.', CADV],
  ['container_cpu_cfs_throttled_periods_total', 'counter', '', 'Enforcement periods in which the container was throttled.', CADV],
  ['container_memory_usage_bytes', 'gauge', 'bytes', 'Current memory usage of the container including the page cache, in bytes.', CADV],
  [
    'container_memory_working_set_bytes',
    'gauge',
    'bytes',
    'Current working set of the container (what the OOM killer watches), in bytes.',
    CADV,
  ],
  ['container_memory_rss', 'gauge', 'bytes', 'Resident set size (anonymous memory) of the container, in bytes.', CADV],
  ['container_memory_cache', 'gauge', 'bytes', 'Page cache memory of the container, in bytes.', CADV],
  ['container_memory_swap', 'gauge', 'bytes', 'Swap usage of the container, in bytes.', CADV],
  ['container_spec_cpu_quota', 'gauge', '', 'CPU quota of the container (CFS quota in microseconds per period).', CADV],
  ['container_spec_cpu_period', 'gauge', '', 'CPU period of the container (CFS period in microseconds).', CADV],
  ['container_spec_cpu_shares', 'gauge', '', 'CPU shares of the container.', CADV],
  ['container_spec_memory_limit_bytes', 'gauge', 'bytes', 'Memory limit of the container, in bytes (0: none).', CADV],
  ['container_network_receive_bytes_total', 'counter', 'bytes', 'Bytes received by the container.', [...CADV, 'interface']],
  ['container_network_transmit_bytes_total', 'counter', 'bytes', 'Bytes transmitted by the container.', [...CADV, 'interface']],
  ['container_fs_reads_bytes_total', 'counter', 'bytes', 'Bytes read by the container from its filesystems.', [...CADV, 'device']],
  ['container_fs_writes_bytes_total', 'counter', 'bytes', 'Bytes written by the container to its filesystems.', [...CADV, 'device']],
  ['container_fs_usage_bytes', 'gauge', 'bytes', 'Bytes the container uses on its filesystems.', [...CADV, 'device']],
  ['container_threads', 'gauge', '', 'Threads running inside the container.', CADV],
  ['container_processes', 'gauge', '', 'Processes running inside the container.', CADV],
  ['container_last_seen', 'gauge', 'seconds', 'Last time cAdvisor saw the container, as a Unix timestamp in seconds.', CADV],
  ['container_start_time_seconds', 'gauge', 'seconds', 'Start time of the container, as a Unix timestamp in seconds.', CADV],

  // Kepler (sustainable-computing-io/kepler), port 28282. 0.10+ series first, then the 0.7 series.
  // 0.10+: internal/exporter/prometheus/collector/power_collector.go at v0.10.0 and v0.11.4 (same names and labels;
  // 0.11 adds the kepler_node_gpu_* series). Every series also carries the constant label node_name. `zone` is a
  // RAPL zone by base name (internal/device/energy_zone.go: package, core, uncore, dram, psys): they overlap
  // (package includes core and uncore; psys includes package and dram), so a sum across zones double counts.
  // Workload series carry `state` (running or terminated) and are the active share only.
  [
    'kepler_node_cpu_watts',
    'gauge',
    'watts',
    'Power drawn by the node per energy zone, in Watts. Zones overlap: filter on one zone.',
    KEP_N,
  ],
  ['kepler_node_cpu_joules_total', 'counter', 'joules', 'Energy drawn by the node per energy zone, in Joules.', KEP_N],
  ['kepler_node_cpu_active_watts', 'gauge', 'watts', 'Active power of the node (its CPU-usage share) per zone, in Watts.', KEP_N],
  [
    'kepler_node_cpu_active_joules_total',
    'counter',
    'joules',
    'Active energy of the node (its CPU-usage share) per zone, in Joules.',
    KEP_N,
  ],
  ['kepler_node_cpu_idle_watts', 'gauge', 'watts', 'Idle power of the node per zone (the rest of its power), in Watts.', KEP_N],
  ['kepler_node_cpu_idle_joules_total', 'counter', 'joules', 'Idle energy of the node per zone, in Joules.', KEP_N],
  ['kepler_node_cpu_usage_ratio', 'gauge', 'ratio', 'CPU usage ratio of the node (0–1).', ['node_name']],
  ['kepler_process_cpu_watts', 'gauge', 'watts', 'Active power attributed to a process per zone, in Watts.', KEP_PROC],
  ['kepler_process_cpu_joules_total', 'counter', 'joules', 'Active energy attributed to a process per zone, in Joules.', KEP_PROC],
  [
    'kepler_process_cpu_seconds_total',
    'counter',
    'seconds',
    'User and system CPU time of a process, in seconds.',
    ['pid', 'comm', 'exe', 'type', 'container_id', 'vm_id', 'node_name'],
  ],
  ['kepler_container_cpu_watts', 'gauge', 'watts', 'Active power attributed to a container per zone, in Watts.', KEP_CNTR],
  ['kepler_container_cpu_joules_total', 'counter', 'joules', 'Active energy attributed to a container per zone, in Joules.', KEP_CNTR],
  ['kepler_pod_cpu_watts', 'gauge', 'watts', 'Active power attributed to a pod per zone, in Watts.', KEP_POD],
  ['kepler_pod_cpu_joules_total', 'counter', 'joules', 'Active energy attributed to a pod per zone, in Joules.', KEP_POD],
  ['kepler_vm_cpu_watts', 'gauge', 'watts', 'Active power attributed to a virtual machine per zone, in Watts.', KEP_VM],
  ['kepler_vm_cpu_joules_total', 'counter', 'joules', 'Active energy attributed to a virtual machine per zone, in Joules.', KEP_VM],
  ['kepler_node_gpu_watts', 'gauge', 'watts', 'Kepler 0.11+: power drawn by one GPU, in Watts.', KEP_GPU],
  ['kepler_node_gpu_joules_total', 'counter', 'joules', 'Kepler 0.11+: energy drawn by one GPU, in Joules.', KEP_GPU],
  [
    'kepler_container_joules_total',
    'counter',
    'joules',
    'Kepler 0.7: energy of a container, all components, in Joules (mode dynamic or idle).',
    KEP_C,
  ],
  ['kepler_container_package_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of a container in the CPU package, in Joules.', KEP_C],
  ['kepler_container_core_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of a container in the CPU cores, in Joules.', KEP_C],
  ['kepler_container_dram_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of a container in DRAM, in Joules.', KEP_C],
  [
    'kepler_container_uncore_joules_total',
    'counter',
    'joules',
    'Kepler 0.7: energy of a container in the uncore (integrated GPU, caches), in Joules.',
    KEP_C,
  ],
  [
    'kepler_container_other_joules_total',
    'counter',
    'joules',
    'Kepler 0.7: energy of a container outside CPU and DRAM (platform minus package), in Joules.',
    KEP_C,
  ],
  ['kepler_container_gpu_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of a container on GPUs, in Joules.', KEP_C],
  ['kepler_process_package_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of a process in the CPU package, in Joules.', KEP_P],
  ['kepler_process_dram_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of a process in DRAM, in Joules.', KEP_P],
  [
    'kepler_node_package_joules_total',
    'counter',
    'joules',
    'Kepler 0.7: energy of the node in the CPU package, in Joules.',
    ['package', 'mode'],
  ],
  ['kepler_node_dram_joules_total', 'counter', 'joules', 'Kepler 0.7: energy of the node in DRAM, in Joules.', ['mode']],
  [
    'kepler_node_platform_joules_total',
    'counter',
    'joules',
    'Kepler 0.7: energy of the whole platform (ACPI/Redfish/psys), in Joules.',
    ['source', 'mode'],
  ],
  [
    'kepler_node_info',
    'gauge',
    '',
    'Labeled information about the node Kepler runs on (value 1).',
    ['cpu_architecture', 'components_power_source', 'platform_power_source'],
  ],

  // NVIDIA dcgm-exporter, port 9400: etc/default-counters.csv@4.5.3-4.8.2. Its prefix is not curated (it has
  // hundreds of fields; flagging the ones we lack as unknown would be wrong).
  ['DCGM_FI_DEV_POWER_USAGE', 'gauge', 'watts', 'Power drawn by one GPU, in Watts (dcgm-exporter default counters).', DCGM],
  [
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
    'counter',
    'millijoules',
    'Energy drawn by one GPU since boot, in millijoules (dcgm-exporter default counters).',
    DCGM,
  ],
];

/** Metric families the catalogue curates: offline, an unknown name in one of these is worth a warning. */
export const CURATED_PREFIXES: readonly string[] = ['scaph_', 'node_', 'container_', 'kepler_'];

export const CATALOGUE: ReadonlyMap<string, MetricInfo> = new Map(
  ROWS.map(([name, type, unit, help, labels]) => [
    name,
    { name, type, help, source: 'catalogue' as const, ...(unit ? { unit } : {}), ...(labels ? { labels } : {}) },
  ]),
);
