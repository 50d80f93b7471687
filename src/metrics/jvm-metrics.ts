/**
 * The ZooKeeper JVM's metrics under the names the Prometheus Java client's hotspot exports give them
 * (`jvm_*`, `process_*`: what PrometheusMetricsProvider serves beside ZooKeeper's own metrics), built
 * from the JVM's performance counters (jvm-perfdata.ts) and the kernel's view of the process (/proc).
 *
 * Pool and collector names follow the JVM's management beans ("G1 Eden Space", "G1 Young
 * Generation"), which the counters spell differently ("eden", "G1 young collection pauses").
 * Not available this way: deadlocked threads (the JVM computes those only on request, through JMX).
 */
import { type MetricFamily, type Sample, single } from "./exposition";
import type { PerfCounters } from "./jvm-perfdata";

/** The kernel's view of the JVM process. */
export interface ProcessStats {
  readonly cpuSeconds: number;
  readonly startTimeSeconds: number;
  readonly residentBytes: number;
  readonly virtualBytes: number;
  readonly openFds: number;
  readonly maxFds: number;
}

const G1_POOLS: Readonly<Record<string, string>> = {
  eden: "G1 Eden Space",
  s1: "G1 Survivor Space",
  old: "G1 Old Gen",
};

const G1_COLLECTORS: Readonly<Record<string, string>> = {
  "G1 young collection pauses": "G1 Young Generation",
  "G1 full collection pauses": "G1 Old Generation",
  "G1 concurrent cycle pauses": "G1 Concurrent GC",
};

interface Pool {
  readonly name: string;
  readonly used: number;
  readonly committed: number;
  readonly max: number;
}

function num(counters: PerfCounters, key: string): number | undefined {
  const value = counters.get(key);
  return typeof value === "number" ? value : undefined;
}

function str(counters: PerfCounters, key: string): string | undefined {
  const value = counters.get(key);
  return typeof value === "string" ? value : undefined;
}

/** Every heap space the counters describe, named as the memory pool beans name them. */
function heapPools(counters: PerfCounters): Pool[] {
  const g1 = str(counters, "sun.gc.policy.name") === "GarbageFirst";
  const pools: Pool[] = [];
  for (
    let generation = 0;
    num(counters, `sun.gc.generation.${generation}.spaces`) !== undefined;
    generation++
  ) {
    const spaces = num(counters, `sun.gc.generation.${generation}.spaces`) ?? 0;
    for (let space = 0; space < spaces; space++) {
      const prefix = `sun.gc.generation.${generation}.space.${space}`;
      const spaceName = str(counters, `${prefix}.name`) ?? `${generation}.${space}`;
      // G1's first survivor counter is a placeholder (always 8 bytes); s1 holds the survivors.
      if (g1 && spaceName === "s0") continue;
      const name = g1
        ? (G1_POOLS[spaceName] ?? spaceName)
        : spaceName === "space"
          ? `generation ${generation}`
          : spaceName;
      pools.push({
        name: g1 && spaceName === "space" ? "G1 Old Gen" : name,
        used: num(counters, `${prefix}.used`) ?? 0,
        committed: num(counters, `${prefix}.capacity`) ?? 0,
        max: num(counters, `${prefix}.maxCapacity`) ?? 0,
      });
    }
  }
  return pools;
}

function heapMax(counters: PerfCounters): number | undefined {
  const g1 = str(counters, "sun.gc.policy.name") === "GarbageFirst";
  // G1's generations each may grow to the whole heap; other collectors' generations add up.
  if (g1) return num(counters, "sun.gc.generation.1.maxCapacity");
  let sum = 0;
  for (
    let generation = 0;
    num(counters, `sun.gc.generation.${generation}.maxCapacity`) !== undefined;
    generation++
  ) {
    sum += num(counters, `sun.gc.generation.${generation}.maxCapacity`) ?? 0;
  }
  return sum;
}

export function jvmFamilies(counters: PerfCounters, process: ProcessStats | undefined): MetricFamily[] {
  const pools = heapPools(counters);
  const heapUsed = pools.reduce((sum, pool) => sum + pool.used, 0);
  const heapCommitted = pools.reduce((sum, pool) => sum + pool.committed, 0);
  const metaspace = {
    name: "Metaspace",
    used: num(counters, "sun.gc.metaspace.used"),
    committed: num(counters, "sun.gc.metaspace.capacity"),
    max: num(counters, "sun.gc.metaspace.maxCapacity"),
  };
  const classSpace = {
    name: "Compressed Class Space",
    used: num(counters, "sun.gc.compressedclassspace.used"),
    committed: num(counters, "sun.gc.compressedclassspace.capacity"),
    max: num(counters, "sun.gc.compressedclassspace.maxCapacity"),
  };
  const allPools = [...pools, metaspace, classSpace].filter((pool) => pool.used !== undefined);
  const area = (heap: number | undefined, nonheap: number | undefined): Sample[] => [
    ...(heap === undefined ? [] : [{ name: "", labels: { area: "heap" }, value: heap }]),
    // Metaspace (which includes the class space) stands for non-heap; the code cache has no counter.
    ...(nonheap === undefined ? [] : [{ name: "", labels: { area: "nonheap" }, value: nonheap }]),
  ];
  const named = (name: string, samples: Sample[]): Sample[] => samples.map((s) => ({ ...s, name }));
  const hz = num(counters, "sun.os.hrt.frequency") ?? 1e9;
  const collectors: Sample[] = [];
  for (let index = 0; str(counters, `sun.gc.collector.${index}.name`) !== undefined; index++) {
    const raw = str(counters, `sun.gc.collector.${index}.name`) ?? "";
    const gc = G1_COLLECTORS[raw] ?? raw;
    const labels = { gc };
    collectors.push({
      name: "jvm_gc_collection_seconds_count",
      labels,
      value: num(counters, `sun.gc.collector.${index}.invocations`) ?? 0,
    });
    collectors.push({
      name: "jvm_gc_collection_seconds_sum",
      labels,
      value: (num(counters, `sun.gc.collector.${index}.time`) ?? 0) / hz,
    });
  }
  const version = str(counters, "java.property.java.vm.version");
  const vendor = str(counters, "java.property.java.vm.vendor");
  const runtime =
    str(counters, "java.property.java.runtime.name") ?? str(counters, "java.property.java.vm.name");
  return [
    {
      name: "jvm_memory_bytes_used",
      type: "gauge",
      help: "Used bytes of a given JVM memory area.",
      samples: named("jvm_memory_bytes_used", area(heapUsed, metaspace.used)),
    },
    {
      name: "jvm_memory_bytes_committed",
      type: "gauge",
      help: "Committed (bytes) of a given JVM memory area.",
      samples: named("jvm_memory_bytes_committed", area(heapCommitted, metaspace.committed)),
    },
    {
      name: "jvm_memory_bytes_max",
      type: "gauge",
      help: "Max (bytes) of a given JVM memory area.",
      samples: named("jvm_memory_bytes_max", area(heapMax(counters), metaspace.max)),
    },
    ...(["used", "committed", "max"] as const).map(
      (field): MetricFamily => ({
        name: `jvm_memory_pool_bytes_${field}`,
        type: "gauge",
        help: `${field === "used" ? "Used bytes" : field === "committed" ? "Committed bytes" : "Max bytes"} of a given JVM memory pool.`,
        samples: allPools.map((pool) => ({
          name: `jvm_memory_pool_bytes_${field}`,
          labels: { pool: pool.name },
          value: pool[field] ?? 0,
        })),
      }),
    ),
    {
      name: "jvm_gc_collection_seconds",
      type: "summary",
      help: "Time spent in a given JVM garbage collector in seconds.",
      samples: collectors,
    },
    single(
      "jvm_threads_current",
      "gauge",
      "Current thread count of a JVM",
      num(counters, "java.threads.live"),
    ),
    single(
      "jvm_threads_daemon",
      "gauge",
      "Daemon thread count of a JVM",
      num(counters, "java.threads.daemon"),
    ),
    single("jvm_threads_peak", "gauge", "Peak thread count of a JVM", num(counters, "java.threads.livePeak")),
    single(
      "jvm_threads_started_total",
      "counter",
      "Started thread count of a JVM",
      num(counters, "java.threads.started"),
    ),
    single(
      "jvm_classes_loaded",
      "gauge",
      "The number of classes that are currently loaded in the JVM",
      loadedClasses(counters),
    ),
    {
      name: "jvm_info",
      type: "gauge",
      help: "VM version info",
      samples:
        version === undefined
          ? []
          : [
              {
                name: "jvm_info",
                labels: { runtime: runtime ?? "", vendor: vendor ?? "", version },
                value: 1,
              },
            ],
    },
    ...processFamilies(process),
  ];
}

/** As the class-loading bean counts them: classes from the shared archive too, less those unloaded. */
function loadedClasses(counters: PerfCounters): number | undefined {
  const loaded = num(counters, "java.cls.loadedClasses");
  if (loaded === undefined) return undefined;
  return (
    loaded +
    (num(counters, "java.cls.sharedLoadedClasses") ?? 0) -
    (num(counters, "java.cls.unloadedClasses") ?? 0) -
    (num(counters, "java.cls.sharedUnloadedClasses") ?? 0)
  );
}

function processFamilies(process: ProcessStats | undefined): MetricFamily[] {
  return [
    single(
      "process_cpu_seconds_total",
      "counter",
      "Total user and system CPU time spent in seconds.",
      process?.cpuSeconds,
    ),
    single(
      "process_start_time_seconds",
      "gauge",
      "Start time of the process since unix epoch in seconds.",
      process?.startTimeSeconds,
    ),
    single("process_open_fds", "gauge", "Number of open file descriptors.", process?.openFds),
    single("process_max_fds", "gauge", "Maximum number of open file descriptors.", process?.maxFds),
    single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process?.virtualBytes),
    single(
      "process_resident_memory_bytes",
      "gauge",
      "Resident memory size in bytes.",
      process?.residentBytes,
    ),
  ];
}
