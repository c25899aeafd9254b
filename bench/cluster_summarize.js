// Summarises bench/cluster.sh's results: one JSON line per run in (the marks' CPU and
// Redis deltas around the measured relay, plus the load generator's own line),
// Markdown tables out: medians over the successful runs of each layout, ratios, the
// Redis commands by name, each run's CPU per message, and the target.
// Usage: node bench/cluster_summarize.js RESULTS.jsonl
'use strict';

const fs = require('node:fs');

const TARGET_REDIS_CMDS_PER_CROSS_MSG = 1;
// The commands a relay itself makes (docs/cluster.md): PUBLISH to the owner's channel,
// and HGETALL when the owner is not cached yet. The others (heartbeat, liveness,
// subscriber checks) come per replica per second, whatever the traffic.
const RELAY_COMMANDS = ['publish', 'hgetall'];
const LAYOUTS = ['single', 'same', 'cross'];

const median = (values) => {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

const fmt = (x, digits = 1) => {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
};

const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);

// One run's figures per relayed message; null where not measured.
function derive(run) {
  const lg = run.loadgen || {};
  const relayed = lg.relayed || 0;
  const per = (x) => (typeof x === 'number' && relayed > 0 ? x / relayed : null);
  const cpu = run.cpu_us || {};
  const parts = [cpu.replica_a, cpu.replica_b, cpu.redis].filter((x) => typeof x === 'number');
  const calls = run.redis ? run.redis.calls : null;
  const total = calls ? Object.values(calls).reduce((a, b) => a + b, 0) : null;
  const mem = run.redis ? run.redis.used_memory_start - run.redis.used_memory_base : null;
  return {
    ok: lg.ok === true,
    failure: lg.ok === true ? null : lg.failure || 'no result from the load generator',
    msgs_per_s: lg.msgs_per_s,
    p50_ms: typeof lg.latency_us_p50 === 'number' ? lg.latency_us_p50 / 1000 : null,
    p99_ms: typeof lg.latency_us_p99 === 'number' ? lg.latency_us_p99 / 1000 : null,
    cpu_total: parts.length > 0 ? per(parts.reduce((a, b) => a + b, 0)) : null,
    cpu_a: per(cpu.replica_a),
    cpu_b: per(cpu.replica_b),
    cpu_redis: per(cpu.redis),
    loadgen_cpu: lg.loadgen_cpu_us_per_msg,
    redis_cmds: per(total),
    publish: calls ? per(calls.publish || 0) : null,
    relay_cmds: calls ? per(RELAY_COMMANDS.reduce((a, n) => a + (calls[n] || 0), 0)) : null,
    calls: calls ? Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, per(v)])) : null,
    redis_bytes_per_peer: mem !== null && lg.connections ? mem / lg.connections : null,
    load: lg.load_start,
  };
}

function group(lines) {
  const groups = new Map();
  for (const run of lines) {
    if (!groups.has(run.layout)) groups.set(run.layout, { layout: run.layout, runs: [] });
    groups.get(run.layout).runs.push({ rep: run.rep, ...derive(run) });
  }
  for (const g of groups.values()) {
    const ok = g.runs.filter((r) => r.ok);
    g.ok = ok.length;
    g.m = {};
    for (const field of Object.keys(g.runs[0])) g.m[field] = median(ok.map((r) => r[field]));
    const names = [...new Set(ok.flatMap((r) => Object.keys(r.calls || {})))].sort();
    g.m.calls = Object.fromEntries(names.map((n) => [n, median(ok.map((r) => (r.calls ? r.calls[n] || 0 : null)))]));
  }
  const order = (l) => (LAYOUTS.includes(l) ? LAYOUTS.indexOf(l) : LAYOUTS.length);
  return [...groups.values()].sort((a, b) => order(a.layout) - order(b.layout));
}

function figuresTable(groups) {
  const rows = [
    '| layout | ok runs | messages/s | latency p50 / p99 (ms) | CPU per msg, all (µs) | replica A / B / Redis (µs) | Redis cmds per msg: all | relay path (PUBLISH + HGETALL) | Redis bytes per peer | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const g of groups) {
    const m = g.m;
    rows.push(
      `| ${g.layout} | ${g.ok}/${g.runs.length} | ${fmt(m.msgs_per_s, 0)} | ${fmt(m.p50_ms, 0)} / ${fmt(m.p99_ms, 0)} ` +
        `| ${fmt(m.cpu_total, 2)} | ${fmt(m.cpu_a, 2)} / ${fmt(m.cpu_b, 2)} / ${fmt(m.cpu_redis, 2)} ` +
        `| ${fmt(m.redis_cmds, 4)} | ${fmt(m.relay_cmds, 4)} | ${fmt(m.redis_bytes_per_peer, 0)} | ${fmt(m.load, 1)} |`,
    );
  }
  return rows.join('\n');
}

function ratiosTable(groups) {
  const find = (layout) => groups.find((g) => g.layout === layout);
  const rows = [
    '| comparison | CPU per msg, all | messages/s | latency p50 | latency p99 |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [a, b] of [['cross', 'same'], ['same', 'single'], ['cross', 'single']]) {
    const x = find(a);
    const y = find(b);
    if (!x || !y) continue;
    const r = (field) => fmt(ratio(x.m[field], y.m[field]), 2);
    rows.push(`| ${a} / ${b} | ${r('cpu_total')} | ${r('msgs_per_s')} | ${r('p50_ms')} | ${r('p99_ms')} |`);
  }
  return rows.join('\n');
}

function commandsTable(groups) {
  const withRedis = groups.filter((g) => Object.keys(g.m.calls).length > 0);
  if (withRedis.length === 0) return null;
  const names = [...new Set(withRedis.flatMap((g) => Object.keys(g.m.calls)))].sort();
  const rows = [
    `| Redis command (per relayed msg, medians) | ${withRedis.map((g) => g.layout).join(' | ')} |`,
    `|---|${withRedis.map(() => '---:').join('|')}|`,
  ];
  for (const n of names) {
    rows.push(`| ${n} | ${withRedis.map((g) => fmt(g.m.calls[n] ?? 0, 5)).join(' | ')} |`);
  }
  return rows.join('\n');
}

function runsTable(groups) {
  const reps = Math.max(...groups.map((g) => g.runs.length));
  const rows = [
    `| layout | ${Array.from({ length: reps }, (_, i) => `run ${i + 1}`).join(' | ')} |`,
    `|---|${Array.from({ length: reps }, () => '---:').join('|')}|`,
  ];
  for (const g of groups) {
    const cells = g.runs.map((r) =>
      r.ok ? `${fmt(r.cpu_total, 2)} (load ${fmt(r.load, 1)})` : `failed: ${r.failure}`,
    );
    rows.push(`| ${g.layout} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

// Judged on the relay path; the background commands are shown beside it, as they
// are per second, not per message (their share falls as the traffic grows).
function target(groups) {
  const cross = groups.find((g) => g.layout === 'cross');
  if (!cross || cross.m.relay_cmds === null) return '- cross: no successful runs';
  const met = cross.m.relay_cmds <= TARGET_REDIS_CMDS_PER_CROSS_MSG;
  return (
    `- Redis commands per cross-replica message, relay path: ${fmt(cross.m.relay_cmds, 4)} ` +
    `(≤ ${TARGET_REDIS_CMDS_PER_CROSS_MSG}: ${met ? 'met' : 'MISSED'}); all commands, ` +
    `background included: ${fmt(cross.m.redis_cmds, 4)}`
  );
}

function main() {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node bench/cluster_summarize.js RESULTS.jsonl');
    process.exit(2);
  }
  const lines = fs
    .readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line));
  const groups = group(lines);
  console.log('\n## Medians\n');
  console.log(figuresTable(groups));
  console.log('\n## Ratios of the medians\n');
  console.log(ratiosTable(groups));
  const commands = commandsTable(groups);
  if (commands) {
    console.log('\n## Redis commands by name\n');
    console.log(commands);
  }
  console.log('\n## CPU per relayed message (µs, replicas + Redis) in each run\n');
  console.log(runsTable(groups));
  console.log('\n## Target\n');
  console.log(target(groups));
  const failed = groups.filter((g) => g.ok < g.runs.length);
  for (const g of failed) console.log(`\n${g.layout}: ${g.runs.length - g.ok} run(s) failed`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main();
