// Small measuring helpers shared by the benchmark modules.
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { cpus } from 'node:os';

/** What a benchmark module returns to scripts/bench.mjs. */
export interface BenchResult {
  /** Human-readable tables. */
  readonly report: string;
  readonly targets: readonly { readonly name: string; readonly pass: boolean; readonly value: string }[];
  /** Written to test-results/bench/<name>.json. */
  readonly json: Readonly<Record<string, unknown>>;
}

export interface BenchContext {
  /** The repository root. */
  readonly root: string;
  /** Fewer repetitions, for a quick look. */
  readonly quick: boolean;
  readonly log: (message: string) => void;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

export function round(value: number, digits = 2): number | null {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : null;
}

export interface Timed {
  readonly ms: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command once and returns its wall time in ms with its output. */
export function timeProcess(command: string, args: readonly string[], options: SpawnSyncOptions = {}): Timed {
  const started = performance.now();
  const r = spawnSync(command, args, { maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'], ...options, encoding: 'utf8' });
  const ms = performance.now() - started;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A plain-text table; the first row is the header. */
export function table(rows: readonly (readonly (string | number | null)[])[]): string {
  const header = rows[0] ?? [];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r: readonly (string | number | null)[]): string =>
    r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c] ?? 0) : String(cell).padStart(widths[c] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function machine(): { node: string; platform: string; cpu: string; cores: number } {
  const list = cpus();
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpu: list[0]?.model ?? 'unknown', cores: list.length };
}
