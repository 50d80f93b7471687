/**
 * ZooKeeper's own metrics, read from `mntr` and named exactly as its PrometheusMetricsProvider names
 * them (ZooKeeper 3.8/3.9, Prometheus simpleclient 0.9.0): no `zk_` prefix, counters without `_total`,
 * summaries as `<name>_count` / `<name>_sum`, set members labelled `key`. Dashboards and alert rules
 * written for that provider work unchanged.
 *
 * `mntr` prints every metric of ZooKeeper's default provider but not its kind, so the counters and
 * summaries are listed here (ServerMetrics, 3.9.3); every other number is a gauge. What `mntr` cannot
 * give: the provider's sliding-window quantiles. For the metrics ZooKeeper tracks in detail
 * (ADVANCED) its p50 and p99 stand for quantile 0.5 and 0.99; the others have `_count` and `_sum` only.
 */
import type { MetricFamily, MetricType, Sample } from "./exposition";

const COUNTERS = new Set([
  "add_dead_watcher_stall_time",
  "bytes_received_count",
  "cnxn_closed_without_zk_server_running",
  "commit_count",
  "connection_drop_count",
  "connection_rejected",
  "connection_request_count",
  "connection_revalidate_count",
  "dead_watchers_cleared",
  "dead_watchers_queued",
  "diff_count",
  "digest_mismatches_count",
  "ensemble_auth_fail",
  "ensemble_auth_skip",
  "ensemble_auth_success",
  "insecure_admin_count",
  "large_requests_rejected",
  "learner_commit_received_count",
  "learner_proposal_received_count",
  "looking_count",
  "outstanding_changes_queued",
  "outstanding_changes_removed",
  "prep_processor_request_queued",
  "proposal_count",
  "quit_leading_due_to_disloyal_voter",
  "request_commit_queued",
  "request_throttle_wait_count",
  "requests_not_forwarded_to_commit_processor",
  "response_bytes",
  "response_packet_cache_hits",
  "response_packet_cache_misses",
  "response_packet_get_children_cache_hits",
  "response_packet_get_children_cache_misses",
  "restore_error_count",
  "restore_rate_limited_count",
  "revalidate_count",
  "sessionless_connections_expired",
  "skip_learner_request_to_next_processor_count",
  "snap_count",
  "snapshot_error_count",
  "snapshot_rate_limited_count",
  "stale_replies",
  "stale_requests",
  "stale_requests_dropped",
  "stale_sessions_expired",
  "sync_processor_request_queued",
  "throttled_ops",
  "tls_handshake_exceeded",
  "unrecoverable_error_count",
  "unsuccessful_handshake",
  "watch_bytes",
]);

/** Summaries without quantiles in `mntr` (DetailLevel.BASIC). */
const BASIC_SUMMARIES = [
  "commit_commit_proc_req_queued",
  "commit_process_time",
  "concurrent_request_processing_in_commit_processor",
  "connection_token_deficit",
  "dbinittime",
  "election_time",
  "follower_sync_time",
  "fsynctime",
  "inflight_diff_count",
  "inflight_snap_count",
  "leader_unavailable_time",
  "learner_request_processor_queue_size",
  "netty_queued_buffer_capacity",
  "node_changed_watch_count",
  "node_children_watch_count",
  "node_created_watch_count",
  "node_deleted_watch_count",
  "observer_sync_time",
  "pending_session_queue_size",
  "prep_process_time",
  "prep_processor_queue_size",
  "proposal_process_time",
  "read_commit_proc_issued",
  "read_commit_proc_req_queued",
  "reads_after_write_in_session_queue",
  "reads_issued_from_session_queue",
  "requests_in_session_queue",
  "restore_time",
  "session_queues_drained",
  "snapshottime",
  "socket_closing_time",
  "startup_snap_load_time",
  "startup_txns_load_time",
  "startup_txns_loaded",
  "sync_process_time",
  "sync_processor_batch_size",
  "sync_processor_queue_size",
  "time_waiting_empty_pool_in_commit_processor_read_ms",
  "unavailable_time",
  "write_batch_time_in_commit_processor",
  "write_commit_proc_issued",
  "write_commit_proc_req_queued",
];

/** Summaries with quantiles in `mntr` (DetailLevel.ADVANCED). */
const DETAILED_SUMMARIES = new Set([
  "close_session_prep_time",
  "commit_propagation_latency",
  "dead_watchers_cleaner_latency",
  "jvm_pause_time_ms",
  "local_write_committed_time_ms",
  "om_commit_process_time_ms",
  "om_proposal_process_time_ms",
  "prep_processor_queue_time_ms",
  "propagation_latency",
  "proposal_ack_creation_latency",
  "proposal_latency",
  "quorum_ack_latency",
  "read_commitproc_time_ms",
  "read_final_proc_time_ms",
  "readlatency",
  "request_throttle_queue_time_ms",
  "server_write_committed_time_ms",
  "sync_processor_queue_and_flush_time_ms",
  "sync_processor_queue_flush_time_ms",
  "sync_processor_queue_time_ms",
  "updatelatency",
  "write_commitproc_time_ms",
  "write_final_proc_time_ms",
]);

/** Summaries per key (SummarySet), each `zk_<part>_<key>_<name>`. */
const SUMMARY_SETS = [
  "ack_latency",
  "learner_handler_qp_size",
  "learner_handler_qp_time_ms",
  "read_per_namespace",
  "write_per_namespace",
];
/** Counters and gauges per key (CounterSet, GaugeSet), each `zk_<key>_<name>`, with their type. */
const VALUE_SETS: readonly (readonly [string, MetricType])[] = [
  ["quota_exceeded_error_per_namespace", "counter"],
  ["quota_count_limit_per_namespace", "gauge"],
  ["quota_bytes_limit_per_namespace", "gauge"],
  ["quota_count_usage_per_namespace", "gauge"],
  ["quota_bytes_usage_per_namespace", "gauge"],
];
const VALUE_SET_NAMES = VALUE_SETS.map(([name]) => name);

/** `mntr` lines that describe the server rather than measure it. */
const DESCRIPTIVE = new Set(["version", "server_state", "peer_state", "observer_master_id"]);

const SUMMARY_PART = /^(avg|min|max|cnt|sum|p50|p95|p99|p999)_(.+)$/;
const QUANTILES: Readonly<Record<string, string>> = { p50: "0.5", p99: "0.99" };

class Families {
  private readonly byName = new Map<string, { type: MetricType; samples: Sample[] }>();

  add(family: string, type: MetricType, sample: Sample): void {
    const entry = this.byName.get(family) ?? { type, samples: [] };
    entry.samples.push(sample);
    this.byName.set(family, entry);
  }

  list(): MetricFamily[] {
    return [...this.byName].map(([name, { type, samples }]) => ({ name, type, help: name, samples }));
  }
}

/** The key of a set member: `<key>_<name>` → key, when the line ends with one of `names`. */
function setMember(rest: string, names: readonly string[]): { key: string; name: string } | undefined {
  for (const name of names) {
    if (rest.endsWith(`_${name}`) && rest.length > name.length + 1) {
      return { key: rest.slice(0, -(name.length + 1)), name };
    }
  }
  return undefined;
}

function addSummaryPart(
  families: Families,
  part: string,
  name: string,
  value: number,
  labels?: Record<string, string>,
) {
  if (part === "cnt") families.add(name, "summary", { name: `${name}_count`, labels, value });
  else if (part === "sum") families.add(name, "summary", { name: `${name}_sum`, labels, value });
  else if (QUANTILES[part] !== undefined) {
    families.add(name, "summary", { name, labels: { ...labels, quantile: QUANTILES[part] }, value });
  }
}

/** `mntr` values (parseMntr's, keys with their `zk_` prefix) → Prometheus families. */
export function zookeeperFamilies(values: Readonly<Record<string, number | string>>): MetricFamily[] {
  const families = new Families();
  // Summaries of a later ZooKeeper are known by their `cnt_` line.
  const summaryNames = new Set<string>([...BASIC_SUMMARIES, ...DETAILED_SUMMARIES]);
  for (const key of Object.keys(values)) {
    const match = /^zk_cnt_(.+)$/.exec(key);
    if (match?.[1] && !setMember(match[1], SUMMARY_SETS)) summaryNames.add(match[1]);
  }
  for (const [key, value] of Object.entries(values)) {
    if (!key.startsWith("zk_") || typeof value !== "number") continue;
    const name = key.slice(3);
    if (DESCRIPTIVE.has(name)) continue;
    const part = SUMMARY_PART.exec(name);
    if (part?.[1] && part[2]) {
      // `quorum_ack_latency` is a summary of its own, not member "quorum" of `ack_latency`.
      const member = summaryNames.has(part[2]) ? undefined : setMember(part[2], SUMMARY_SETS);
      if (member) {
        addSummaryPart(families, part[1], member.name, value, { key: member.key });
        continue;
      }
      if (summaryNames.has(part[2])) {
        if (part[1].startsWith("p") && !DETAILED_SUMMARIES.has(part[2])) continue;
        addSummaryPart(families, part[1], part[2], value);
        continue;
      }
    }
    const member = setMember(name, VALUE_SET_NAMES);
    if (member) {
      const type = VALUE_SETS.find(([set]) => set === member.name)![1];
      families.add(member.name, type, { name: member.name, labels: { key: member.key }, value });
      continue;
    }
    families.add(name, COUNTERS.has(name) ? "counter" : "gauge", { name, value });
  }
  return families.list();
}
