/** The bench's report: medians over the rounds, the table, the ratios, and the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  clients,
  codelabClients,
  joinRate,
  only,
  pin,
  relaySeconds,
  repeat,
  root,
  serverNodeVersion,
  workers,
} from './options.ts';
import type { Result } from './scenario.ts';
import { median } from './stats.ts';

/**
 * One row per target: the median of each figure over the rounds (the machine is shared, and
 * one round can catch another job's burst).
 */
function medians(results: Result[]): Result[] {
  const byTarget = new Map<string, Result[]>();
  for (const result of results)
    byTarget.set(result.target, [...(byTarget.get(result.target) ?? []), result]);
  return [...byTarget.values()].map((runs) => {
    const m = (pick: (result: Result) => number) => median(runs.map(pick));
    const errors: Record<string, number> = {};
    for (const run of runs) {
      for (const [key, value] of Object.entries(run.errors))
        errors[key] = (errors[key] ?? 0) + value;
    }
    const first = runs[0] as Result;
    return {
      target: first.target,
      clients: first.clients,
      seated: m((r) => r.seated),
      joinSeconds: m((r) => r.joinSeconds),
      join: { p50: m((r) => r.join.p50), p95: m((r) => r.join.p95), p99: m((r) => r.join.p99) },
      cpuMicrosPerJoin: m((r) => r.cpuMicrosPerJoin),
      relay: { p50: m((r) => r.relay.p50), p99: m((r) => r.relay.p99) },
      relays: m((r) => r.relays),
      relaysPerSecond: m((r) => r.relaysPerSecond),
      cpuMicrosPerRelay: m((r) => r.cpuMicrosPerRelay),
      cpuPercent: m((r) => r.cpuPercent),
      rssKiBPerClient: m((r) => r.rssKiBPerClient),
      heapKiBPerClient: m((r) => r.heapKiBPerClient),
      youngKiBPerClient: m((r) => r.youngKiBPerClient),
      redisBytesPerRoom:
        first.redisBytesPerRoom === undefined ? undefined : m((r) => r.redisBytesPerRoom ?? 0),
      // Lost relays are not noise: the worst round counts.
      lost: Math.max(...runs.map((r) => r.lost)),
      cpuEach: first.cpuEach.map((_, index) => m((r) => r.cpuEach[index] ?? 0)),
      idleEach: first.idleEach.map((_, index) => m((r) => r.idleEach[index] ?? 0)),
      errors,
    };
  });
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** Ours against each baseline: the CPU and throughput ratios, and memory as KiB more per client. */
function compare(summary: Result[]): Record<string, string> {
  const find = (target: string) => summary.find((result) => result.target === target);
  const ours = find('ours');
  const ratios: Record<string, string> = {};
  if (!ours) return ratios;
  for (const other of [find('bare socket.io'), find('raw ws')]) {
    if (!other) continue;
    const name = other.target;
    ratios[`CPU per relay, ours / ${name}`] = fixed(
      ours.cpuMicrosPerRelay / other.cpuMicrosPerRelay,
      2,
    );
    ratios[`relays/s, ours / ${name}`] = fixed(ours.relaysPerSecond / other.relaysPerSecond, 2);
    ratios[`heap per client, ours - ${name}`] =
      `${fixed(ours.heapKiBPerClient - other.heapKiBPerClient, 2)} KiB`;
    ratios[`RSS per client, ours - ${name}`] =
      `${fixed(ours.rssKiBPerClient - other.rssKiBPerClient, 2)} KiB`;
    ratios[`RSS per client less the young generation, ours - ${name}`] =
      `${fixed(ours.rssKiBPerClient - ours.youngKiBPerClient - (other.rssKiBPerClient - other.youngKiBPerClient), 2)} KiB`;
  }
  const codelab = summary.filter((result) => result.target.startsWith('codelab')).at(-1);
  if (codelab) {
    ratios[`CPU per relay, ${codelab.target} / ours`] = fixed(
      codelab.cpuMicrosPerRelay / ours.cpuMicrosPerRelay,
      0,
    );
  }
  return ratios;
}

/** The fleet's figures against one process alone (`ours`) in the same run. */
function fleetFigures(summary: Result[], label = ''): Record<string, string> {
  const find = (target: string) => summary.find((result) => result.target === target);
  const ours = find('ours');
  const colocated = find(`fleet co-located${label}`);
  const split = find(`fleet split${label}`);
  const figures: Record<string, string> = {};
  if (!colocated || !split) return figures;
  const alone = ours?.cpuMicrosPerRelay ?? Number.NaN;
  const together = colocated.cpuEach[0] ?? Number.NaN;
  const others = colocated.cpuEach.slice(1);
  const uninvolved = others.reduce((total, value) => total + value, 0) / others.length;
  const idle = colocated.idleEach.slice(1).reduce((total, value) => total + value, 0);
  const uninvolvedNet = uninvolved - idle / others.length;
  const fleet = `fleet${label}`;
  figures['fleet: one process alone, CPU µs/relay'] = fixed(alone, 2);
  figures[`${fleet}: co-located, CPU µs/relay (that process)`] =
    `${fixed(together, 2)} (${fixed(together / alone, 2)}x alone)`;
  figures[`${fleet}: split, CPU µs/relay (all processes + Redis)`] =
    `${fixed(split.cpuMicrosPerRelay, 2)} (${fixed(split.cpuMicrosPerRelay / alone, 2)}x alone)`;
  figures[`${fleet}: uninvolved process, CPU µs per relay elsewhere (gross / beyond its idle)`] =
    `${fixed(uninvolved, 3)} / ${fixed(uninvolvedNet, 3)}`;
  figures[`${fleet}: lost relays (co-located / split, worst round)`] =
    `${colocated.lost} / ${split.lost}`;
  for (const result of [colocated, split]) {
    figures[`${fleet}: join p50/p99 ms through Redis (${result.target})`] =
      `${fixed(result.join.p50)} / ${fixed(result.join.p99)}`;
    const perJoin = result.cpuMicrosPerJoin;
    figures[`${fleet}: CPU µs per join, all processes + Redis (${result.target})`] =
      `${fixed(perJoin, 0)} (${fixed(perJoin / (ours?.cpuMicrosPerJoin ?? Number.NaN), 2)}x alone)`;
  }
  return figures;
}

/** Prints the summary of `results` and writes them all to bench-results/. */
export function report(results: Result[], started: Date): void {
  const summary = medians(results);
  for (const result of summary) {
    if (result.redisBytesPerRoom !== undefined) {
      console.log(
        `[bench] ${result.target}: Redis holds ${fixed(result.redisBytesPerRoom, 0)} bytes per room`,
      );
    }
  }
  console.log('');
  console.table(
    summary.map((result) => ({
      target: result.target,
      clients: String(result.clients),
      'join p50/p95/p99 ms': `${fixed(result.join.p50)} / ${fixed(result.join.p95)} / ${fixed(result.join.p99)}`,
      'CPU µs/join': fixed(result.cpuMicrosPerJoin, 0),
      'relay p50/p99 ms': `${fixed(result.relay.p50)} / ${fixed(result.relay.p99)}`,
      'relays/s': fixed(result.relaysPerSecond, 0),
      'CPU µs/relay': fixed(result.cpuMicrosPerRelay),
      'CPU %': fixed(result.cpuPercent, 0),
      'RSS KiB/client': fixed(result.rssKiBPerClient),
      'heap KiB/client': fixed(result.heapKiBPerClient),
      'young KiB/client': fixed(result.youngKiBPerClient),
      errors: String(Object.values(result.errors).reduce((total, value) => total + value, 0)),
      lost: String(result.lost),
    })),
  );
  const ratios = {
    ...compare(summary),
    ...fleetFigures(summary),
    ...fleetFigures(summary, ' (before)'),
  };
  for (const [name, value] of Object.entries(ratios)) console.log(`[bench] ${name}: ${value}`);

  mkdirSync(`${root}bench-results`, { recursive: true });
  const file = `${root}bench-results/bench-${started.toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        started: started.toISOString(),
        node: process.version,
        serverNode: serverNodeVersion,
        options: {
          clients,
          workers,
          joinRate,
          relaySeconds,
          repeat,
          codelabClients,
          only: [...only],
          pin: pin ?? 'off',
        },
        summary,
        rounds: results,
        ratios,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`[bench] results written to ${file}`);
}
