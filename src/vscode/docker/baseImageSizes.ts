import * as vscode from 'vscode';
import type { ImageInspect } from '../../clients/index';
import { describeBaseImage, formatBytes } from '../../core/dockerfile/stageSummary';
import type { BaseDescription, BaseImageFacts } from '../../core/dockerfile/stageSummary';
import { lookupBaseImage } from '../../core/images/baseImages';
import type { RegistryErrorCode, RegistryImageSize } from '../../core/registry/types';
import type { Logger } from '../logger';
import type { EngineProvider } from './engineProvider';

/** Registry figures are kept this long (tags move, but not by the minute). */
const REGISTRY_TTL_MS = 24 * 60 * 60_000;
/** A failed registry lookup is not retried before this. */
const FAILURE_TTL_MS = 10 * 60_000;
/** The local engine is asked again after this (images get pulled and removed). */
const LOCAL_TTL_MS = 60_000;
const REGISTRY_DEADLINE_MS = 5_000;
const MAX_CONCURRENT_REGISTRY_LOOKUPS = 3;
const MAX_STORED = 200;
const STATE_KEY = 'berth.images.registrySizes';
const SETTING_SECTION = 'berth.images';
const SETTING = 'baseImageSizeFromRegistry';

type LocalOutcome =
  | { readonly kind: 'present'; readonly image: ImageInspect }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unavailable'; readonly message: string };

interface Failure {
  readonly code: RegistryErrorCode | 'ERROR';
  readonly message: string;
  readonly at: number;
}

/** `14:02` today, `2026-11-21 14:02` on another day (local time). */
function when(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const pad = (n: number): string => n.toString().padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return date.toDateString() === now.toDateString() ? time : `${date.getFullYear().toString()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

function localFacts(image: ImageInspect): BaseImageFacts {
  return {
    onDiskMB: image.size / 1e6,
    compressedMB: undefined,
    source: 'local engine',
    estimated: false,
    detail: [`Image ${image.id.slice(0, 19)}…${image.created !== '' ? `, created ${when(image.created)}` : ''}`, 'The size the engine reports for the pulled image (docker image ls).'],
  };
}

function registryFacts(size: RegistryImageSize): BaseImageFacts {
  return {
    onDiskMB: undefined,
    compressedMB: size.compressedBytes / 1e6,
    source: `registry, fetched ${when(size.fetchedAt)}`,
    estimated: false,
    detail: [
      `Registry ${size.registry}, fetched ${when(size.fetchedAt)}`,
      `Manifest ${size.manifestDigest.slice(0, 19)}…${size.platform !== undefined ? ` (${size.platform})` : ''}: ${size.layerCount.toString()} layer${size.layerCount === 1 ? '' : 's'} and the config, ${formatBytes(size.compressedBytes)} to download`,
    ],
  };
}

function tableFacts(ref: string): BaseImageFacts | undefined {
  const info = lookupBaseImage(ref);
  if (!info) return undefined;
  const detail: string[] = [];
  if (info.estimated || info.tableRef !== info.ref) detail.push(`Figures listed for ${info.tableRef}`);
  if (info.compressedRangeMB) detail.push(`Download between ${formatBytes(info.compressedRangeMB[0] * 1e6)} and ${formatBytes(info.compressedRangeMB[1] * 1e6)} over the snapshots`);
  if (info.onDiskEstimated) detail.push(`On disk estimated from the download size`);
  detail.push(`Berth's size table of published images, snapshot ${info.snapshot}`);
  return { onDiskMB: info.onDiskMB, compressedMB: info.compressedMB, source: `table ${info.snapshot}`, estimated: info.estimated, detail };
}

/**
 * Base image sizes for the stage lenses: from the local engine when the image is there,
 * else the registry's manifest (Berth's own client: cached 24 h in global state, failures
 * remembered for 10 minutes), else the dated table. Lookups run in the background after a
 * lens first asks (never at activation) and only in a trusted workspace: the engine
 * endpoint may be an ssh:// one (a process), and registry lookups contact the network and
 * may run credential helpers. The registry is asked only when
 * `berth.images.baseImageSizeFromRegistry` allows.
 */
export class BaseImageSizes implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a lookup finished: the lenses should be asked again. */
  readonly onDidChange = this.changed.event;
  private readonly local = new Map<string, { readonly at: number; readonly outcome: LocalOutcome }>();
  private readonly failures = new Map<string, Failure>();
  private readonly inFlight = new Set<string>();
  private readonly waiting: (() => void)[] = [];
  private registryLookups = 0;
  private readonly disposables: { dispose(): void }[];
  private disposed = false;

  constructor(private readonly engines: EngineProvider, private readonly state: vscode.Memento, private readonly logger: Logger) {
    this.disposables = [
      this.changed,
      engines.onDidChangeEngine(() => { this.local.clear(); this.changed.fire(); }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTING_SECTION}.${SETTING}`)) {
          this.failures.clear();
          this.changed.fire();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.changed.fire(); }),
    ];
  }

  private registryAllowed(): boolean {
    return vscode.workspace.getConfiguration(SETTING_SECTION).get<boolean>(SETTING, true);
  }

  private stored(): Record<string, RegistryImageSize> {
    return this.state.get<Record<string, RegistryImageSize>>(STATE_KEY) ?? {};
  }

  private async store(size: RegistryImageSize): Promise<void> {
    const all = { ...this.stored(), [size.reference]: size };
    const newest = Object.values(all).sort((a, b) => Date.parse(b.fetchedAt) - Date.parse(a.fetchedAt)).slice(0, MAX_STORED);
    await this.state.update(STATE_KEY, Object.fromEntries(newest.map((s) => [s.reference, s])));
  }

  /**
   * What the lens says about `ref` now: the best figure known, and in the tooltip where
   * it comes from and what failed. Starts a background lookup when nothing fresh is known.
   */
  describe(ref: string): BaseDescription {
    const table = tableFacts(ref);
    if (!vscode.workspace.isTrusted) return describeBaseImage(ref, table, ['Restricted Mode: the local engine and the registry are not asked.']);
    const now = Date.now();
    const local = this.local.get(ref);
    const localFresh = local !== undefined && now - local.at < LOCAL_TTL_MS;
    const allowed = this.registryAllowed();
    const cached = this.stored()[ref];
    const cachedFresh = cached !== undefined && now - Date.parse(cached.fetchedAt) < REGISTRY_TTL_MS;
    const failure = this.failures.get(ref);
    const failureFresh = failure !== undefined && now - failure.at < FAILURE_TTL_MS;
    const needsRegistry = allowed && local?.outcome.kind !== 'present' && !cachedFresh && !failureFresh;
    if (!this.inFlight.has(ref) && (!localFresh || needsRegistry)) this.start(ref);

    if (local?.outcome.kind === 'present') return describeBaseImage(ref, localFacts(local.outcome.image));
    const notes: string[] = [];
    if (this.inFlight.has(ref)) notes.push(local === undefined ? 'Looking in the local engine…' : 'Looking up the registry…');
    if (local?.outcome.kind === 'absent') notes.push('Not in the local engine.');
    if (local?.outcome.kind === 'unavailable') notes.push(`Local engine not available: ${local.outcome.message}`);
    if (!allowed) notes.push(`The registry is not asked (setting ${SETTING_SECTION}.${SETTING}).`);
    else if (failureFresh) notes.push(`Registry lookup failed at ${when(new Date(failure.at).toISOString())}: ${failure.message} (tried again after 10 minutes)`);
    return describeBaseImage(ref, allowed && cached ? registryFacts(cached) : table, notes);
  }

  private start(ref: string): void {
    this.inFlight.add(ref);
    // After the lens provider has returned: the first lookup loads the clients bundle.
    void new Promise((resolve) => { setTimeout(resolve, 0); })
      .then(() => this.lookUp(ref))
      .catch((error: unknown) => { this.logger.error(`Base image size of ${ref}`, error); })
      .finally(() => {
        this.inFlight.delete(ref);
        if (!this.disposed) this.changed.fire();
      });
  }

  private async lookUp(ref: string): Promise<void> {
    const now = Date.now();
    const known = this.local.get(ref);
    let outcome = known && now - known.at < LOCAL_TTL_MS ? known.outcome : undefined;
    if (!outcome) {
      outcome = await this.inspectLocal(ref);
      this.local.set(ref, { at: Date.now(), outcome });
    }
    if (outcome.kind === 'present' || !this.registryAllowed() || !vscode.workspace.isTrusted) return;
    const cached = this.stored()[ref];
    if (cached && Date.now() - Date.parse(cached.fetchedAt) < REGISTRY_TTL_MS) return;
    const failure = this.failures.get(ref);
    if (failure && Date.now() - failure.at < FAILURE_TTL_MS) return;
    await this.slot();
    try {
      const started = performance.now();
      try {
        const size = await this.engines.load().lookupImageSize(ref, { deadlineMs: REGISTRY_DEADLINE_MS });
        this.failures.delete(ref);
        await this.store(size);
        this.logger.info(`Base image ${ref}: ${formatBytes(size.compressedBytes)} download (${size.layerCount.toString()} layers${size.platform !== undefined ? `, ${size.platform}` : ''}) from ${size.registry} in ${(performance.now() - started).toFixed(0)} ms`);
      } catch (error) {
        const clients = this.engines.load();
        const code = clients.isRegistryError(error) ? error.code : 'ERROR';
        const message = error instanceof Error ? error.message : String(error);
        this.failures.set(ref, { code, message, at: Date.now() });
        this.logger.warn(`Base image ${ref}: registry lookup failed after ${(performance.now() - started).toFixed(0)} ms (${code}): ${message}`);
      }
    } finally {
      this.release();
    }
  }

  private async inspectLocal(ref: string): Promise<LocalOutcome> {
    try {
      const image = await this.engines.engine().inspectImage(ref);
      return image ? { kind: 'present', image } : { kind: 'absent' };
    } catch (error) {
      return { kind: 'unavailable', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Waits for one of the few registry lookups that may run at once. */
  private slot(): Promise<void> {
    if (this.registryLookups < MAX_CONCURRENT_REGISTRY_LOOKUPS) {
      this.registryLookups++;
      return Promise.resolve();
    }
    return new Promise((resolve) => { this.waiting.push(() => { this.registryLookups++; resolve(); }); });
  }

  private release(): void {
    this.registryLookups--;
    this.waiting.shift()?.();
  }

  dispose(): void {
    this.disposed = true;
    for (const d of this.disposables) d.dispose();
  }
}
