/**
 * Production-readiness checks on Kubernetes manifests (BK100-BK107): resource requests and
 * limits, probes, image tags, a single replica behind a Service, PodDisruptionBudgets for
 * replicated workloads. Pure: works on text, never throws, and reports 0-based ranges (ends
 * exclusive) with quick fixes in the Dockerfile linter's `Fix` shape.
 *
 * Documents that are Helm templates (they contain `{{`) are skipped: charts are checked on
 * the output of `helm template` and mapped back with `mapRenderedFindings`.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, stringify } from 'yaml';
import type { Document, Pair, YAMLMap } from 'yaml';
import { readFastDocument } from './fastYaml';
import type { Range } from '../dockerfile/model';
import type { Fix, TextEdit } from '../dockerfile/rules/types';
import { parseImageRef } from '../dockerfile/imageRef';
import type { LabelSelectorJson } from '../kube/objects';
import { matchesSelector } from '../kube/workloads';
import {
  LineIndex, hasRange, mapAt, type AliasScope, pairOf, pairSpan, planAdditions, planFirstEntries, resolved, scalarAt, scalarText, seqAt,
  stringAt, stringRecord, yamlString, type SkeletonEntry,
} from './yamlText';

export type ManifestSeverity = 'error' | 'warning' | 'info';

export type ManifestCheckCode = 'BK100' | 'BK101' | 'BK102' | 'BK103' | 'BK104' | 'BK105' | 'BK106' | 'BK107';

export interface ManifestCheck {
  readonly code: ManifestCheckCode;
  readonly severity: ManifestSeverity;
  /** One line: what the check asks for. */
  readonly title: string;
}

/** Every check, in code order. `docs/k8s-checks.md` explains each with a bad and a good example. */
export const MANIFEST_CHECKS: readonly ManifestCheck[] = [
  { code: 'BK100', severity: 'error', title: 'The manifest is valid YAML' },
  { code: 'BK101', severity: 'warning', title: 'Containers request CPU and memory' },
  { code: 'BK102', severity: 'warning', title: 'Containers have a memory limit' },
  { code: 'BK103', severity: 'warning', title: 'Containers that serve have a readiness probe' },
  { code: 'BK104', severity: 'info', title: 'Long-running containers have a liveness probe' },
  { code: 'BK105', severity: 'warning', title: 'Images are pinned to a version tag or a digest, not latest' },
  { code: 'BK106', severity: 'warning', title: 'A Deployment behind a Service runs more than one replica' },
  { code: 'BK107', severity: 'warning', title: 'Replicated workloads have a PodDisruptionBudget' },
];

const SEVERITY = new Map<ManifestCheckCode, ManifestSeverity>(MANIFEST_CHECKS.map((c) => [c.code, c.severity]));

/** A key or a sequence index on the way from a document's root to a node. */
export type PathSegment = string | number;

/** The Kubernetes object a finding is about. */
export interface ObjectRef {
  readonly kind: string;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
}

/** Another place that explains a finding, such as the Service in front of a single replica. */
export interface RelatedLocation {
  readonly fileName: string;
  readonly range: Range;
  readonly message: string;
  /** The object at that place and the path to the node of `range` (as in `ManifestFinding`). */
  readonly object: ObjectRef;
  readonly path: readonly PathSegment[];
}

export interface ManifestFinding {
  readonly code: ManifestCheckCode;
  readonly severity: ManifestSeverity;
  readonly message: string;
  /** 0-based, end exclusive: a container's `name:` entry, an `image:` value, `replicas:`. */
  readonly range: Range;
  /** Edits against the checked text; empty when no safe edit exists (flow style, anchors). */
  readonly fixes: readonly Fix[];
  /** Keys and indexes from the document root to the node of `range` (empty for BK100). */
  readonly path: readonly PathSegment[];
  /** Undefined for BK100. */
  readonly object?: ObjectRef;
  readonly related?: readonly RelatedLocation[];
}

export interface ManifestFile {
  /** Any name the caller recognises (a workspace-relative path); used in messages. */
  readonly fileName: string;
  readonly text: string;
}

export interface FileFindings {
  readonly fileName: string;
  /** Sorted by position. */
  readonly findings: ManifestFinding[];
}

export interface CheckOptions {
  /** Name of the file, for messages about other documents. */
  readonly fileName?: string;
}

/**
 * Checks one file of (multi-document) YAML; the cross-document checks (BK106, BK107) look
 * at the Services, PodDisruptionBudgets and HorizontalPodAutoscalers of this file only. Use
 * `checkManifestSet` when the rest of the workspace is known.
 */
export function checkManifests(text: string, options: CheckOptions = {}): ManifestFinding[] {
  const [only] = checkManifestSet([{ fileName: options.fileName ?? 'manifest.yaml', text }]);
  return only?.findings ?? [];
}

/**
 * Checks several files together: per-container checks on each, and a Service, PDB or HPA in
 * any file counts for workloads in every other file. Returns one entry per input file, in
 * input order, each finding on its own file.
 */
export function checkManifestSet(files: readonly ManifestFile[]): FileFindings[] {
  const parsed = files.map((f) => parseManifestFile(f.fileName, f.text));
  const catalog = buildCatalog(parsed);
  for (const file of parsed) {
    for (const object of file.objects) {
      const workload = catalog.workloads.get(object);
      if (workload) checkPodSpec(workload);
    }
  }
  for (const workload of catalog.workloads.values()) checkReplicas(workload, catalog);
  return parsed.map((f) => ({
    fileName: f.fileName,
    findings: f.findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col),
  }));
}

// ---------------------------------------------------------------------------------------
// Parsing

interface ParsedFile {
  readonly fileName: string;
  readonly text: string;
  /** Lines of the whole file (BK100 outside any document, the PodDisruptionBudget appended at the end). */
  readonly lines: LineIndex;
  readonly objects: KubeObject[];
  readonly findings: ManifestFinding[];
}

interface KubeObject {
  readonly file: ParsedFile;
  readonly doc: AliasScope;
  /** Lines of the document's text (node offsets are offsets in it), numbered as in the file. */
  readonly lines: LineIndex;
  readonly node: YAMLMap;
  /** Path of the object from its document root (`['items', 2]` inside a List). */
  readonly path: readonly PathSegment[];
  readonly ref: ObjectRef;
}

/** Kinds some check reads; documents of other kinds are not parsed at all. */
const READ_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);

/** One `---`-separated piece of a file, cut at line starts. */
interface Chunk {
  readonly text: string;
  readonly firstLine: number;
  /** The top-level `kind:` as written at column 0, when there is one. */
  readonly kind: string | undefined;
}

const DOCUMENT_START = /^---(?:[ \t]|\r?$)/;
const COLUMN0_KIND = /^kind:[ \t]*["']?([A-Za-z0-9]+)["']?[ \t]*(?:#.*)?\r?$/;
const NOT_CONTENT = /^(?:[ \t]*(?:#.*)?|%.*)\r?$/;

/**
 * Splits a file at `---` lines, where YAML itself starts documents (a document marker at
 * column 0 ends any block scalar). A piece with only comments or directives joins the next.
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let chunkStart = 0;
  let chunkLine = 0;
  let hasContent = false;
  let kind: string | undefined;
  let line = 0;
  for (let at = 0; at <= text.length; line++) {
    const newline = text.indexOf('\n', at);
    const end = newline < 0 ? text.length : newline;
    const lineText = text.slice(at, end);
    if (DOCUMENT_START.test(lineText) && hasContent) {
      chunks.push({ text: text.slice(chunkStart, at), firstLine: chunkLine, kind });
      chunkStart = at;
      chunkLine = line;
      hasContent = false;
      kind = undefined;
    }
    if (!hasContent && !NOT_CONTENT.test(lineText) && !DOCUMENT_START.test(lineText)) hasContent = true;
    kind ??= COLUMN0_KIND.exec(lineText)?.[1];
    if (newline < 0) break;
    at = newline + 1;
  }
  chunks.push({ text: text.slice(chunkStart), firstLine: chunkLine, kind });
  return chunks;
}

/**
 * Parsed documents by their text. Editing one document of a long file re-parses only that
 * one; the parsed nodes are never changed, so sharing them between checks is safe.
 */
const parseCache = new Map<string, ParsedDocument[]>();
const PARSE_CACHE_LIMIT = 2000;

/** A document's root node and first error, from the fast reader or the `yaml` package. */
interface ParsedDocument {
  readonly contents: unknown;
  readonly error: { readonly pos: readonly [number, number]; readonly message: string } | undefined;
  readonly scope: AliasScope;
}

function parseChunk(text: string): ParsedDocument[] {
  const cached = parseCache.get(text);
  if (cached) {
    parseCache.delete(text);
    parseCache.set(text, cached);
    return cached;
  }
  const fast = readFastDocument(text);
  // YAML 1.1 is what kubectl's reader follows (`yes` is a boolean, `0777` octal).
  const docs: ParsedDocument[] = fast
    ? [{ contents: fast.contents, error: undefined, scope: undefined }]
    : Array.from(parseAllDocuments(text, { version: '1.1', prettyErrors: false }) as Document.Parsed[])
      .map((doc) => ({ contents: doc.contents, error: doc.errors[0], scope: doc }));
  parseCache.set(text, docs);
  if (parseCache.size > PARSE_CACHE_LIMIT) {
    const oldest = parseCache.keys().next();
    if (oldest.done !== true) parseCache.delete(oldest.value);
  }
  return docs;
}

function parseManifestFile(fileName: string, text: string): ParsedFile {
  const file: ParsedFile = { fileName, text, lines: new LineIndex(text), objects: [], findings: [] };
  for (const chunk of splitDocuments(text)) {
    if (chunk.kind !== undefined && !READ_KINDS.has(chunk.kind) && !chunk.kind.endsWith('List')) continue;
    // Helm templates are checked after rendering; their Go template syntax is not YAML.
    if (chunk.text.includes('{{')) continue;
    const lines = new LineIndex(chunk.text, chunk.firstLine);
    let docs: ParsedDocument[];
    try {
      docs = parseChunk(chunk.text);
    } catch (error) {
      file.findings.push(parseFinding(lines, 0, 1, error instanceof Error ? error.message : String(error)));
      continue;
    }
    for (const doc of docs) {
      if (doc.error) {
        file.findings.push(parseFinding(lines, doc.error.pos[0], doc.error.pos[1], doc.error.message));
        continue;
      }
      collectObjects(file, doc.scope, lines, doc.contents, []);
    }
  }
  return file;
}

function parseFinding(lines: LineIndex, start: number, end: number, message: string): ManifestFinding {
  const firstLine = message.split('\n')[0] ?? message;
  return {
    code: 'BK100',
    severity: 'error',
    message: `Not valid YAML: ${firstLine}`,
    range: lines.range(start, Math.max(end, start + 1)),
    fixes: [],
    path: [],
  };
}

function collectObjects(file: ParsedFile, doc: AliasScope, lines: LineIndex, node: unknown, path: readonly PathSegment[]): void {
  const map = resolved(node, doc);
  if (!isMap(map)) return;
  const kind = stringAt(map, 'kind', doc);
  const apiVersion = stringAt(map, 'apiVersion', doc);
  if (kind === undefined || apiVersion === undefined) return;
  const items = seqAt(map, 'items', doc);
  if (kind.endsWith('List') && items) {
    items.items.forEach((item, index) => { collectObjects(file, doc, lines, item, [...path, 'items', index]); });
    return;
  }
  const metadata = mapAt(map, 'metadata', doc);
  const ref: ObjectRef = {
    kind,
    name: metadata ? stringAt(metadata, 'name', doc) : undefined,
    namespace: metadata ? stringAt(metadata, 'namespace', doc) : undefined,
  };
  file.objects.push({ file, doc, lines, node: map, path, ref });
}

// ---------------------------------------------------------------------------------------
// What the files contain

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kinds whose `spec.replicas` counts pods (default 1). */
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

interface Workload {
  readonly object: KubeObject;
  readonly podSpec: YAMLMap;
  readonly podSpecPath: readonly PathSegment[];
  readonly templateLabels: Readonly<Record<string, string>>;
  /** `spec`, for kinds with replicas. */
  readonly spec: YAMLMap | undefined;
  readonly selectorNode: YAMLMap | undefined;
}

interface ServiceInfo {
  readonly object: KubeObject;
  readonly selector: Readonly<Record<string, string>>;
  readonly selectorEntries: readonly (readonly [string, string])[];
}

interface DisruptionBudget {
  readonly object: KubeObject;
  /** Undefined: no selector, which selects no pods; `{}` selects every pod (policy/v1). */
  readonly selector: LabelSelectorJson | undefined;
}

interface Autoscaler {
  readonly object: KubeObject;
  readonly targetKind: string | undefined;
  readonly targetName: string | undefined;
  readonly minReplicas: number;
}

interface Catalog {
  readonly workloads: Map<KubeObject, Workload>;
  readonly services: ServiceInfo[];
  readonly budgets: DisruptionBudget[];
  readonly autoscalers: Autoscaler[];
}

function buildCatalog(files: readonly ParsedFile[]): Catalog {
  const catalog: Catalog = { workloads: new Map(), services: [], budgets: [], autoscalers: [] };
  for (const file of files) {
    for (const object of file.objects) {
      const { doc, node, ref } = object;
      const spec = mapAt(node, 'spec', doc);
      if (ref.kind === 'Service') {
        const selector = stringRecord(spec ? mapAt(spec, 'selector', doc) : undefined, doc);
        catalog.services.push({ object, selector, selectorEntries: Object.entries(selector) });
      } else if (ref.kind === 'PodDisruptionBudget') {
        const selectorNode = spec ? mapAt(spec, 'selector', doc) : undefined;
        catalog.budgets.push({ object, selector: selectorNode ? readSelector(selectorNode, doc) : undefined });
      } else if (ref.kind === 'HorizontalPodAutoscaler') {
        const target = spec ? mapAt(spec, 'scaleTargetRef', doc) : undefined;
        const min = spec ? scalarAt(spec, 'minReplicas', doc)?.value : undefined;
        catalog.autoscalers.push({
          object,
          targetKind: target ? stringAt(target, 'kind', doc) : undefined,
          targetName: target ? stringAt(target, 'name', doc) : undefined,
          minReplicas: typeof min === 'number' ? min : 1,
        });
      } else {
        const workload = readWorkload(object);
        if (workload) catalog.workloads.set(object, workload);
      }
    }
  }
  return catalog;
}

function readWorkload(object: KubeObject): Workload | undefined {
  const keys = POD_SPEC_PATH[object.ref.kind];
  if (!keys) return undefined;
  const { doc, node } = object;
  const maps: YAMLMap[] = [];
  let current: YAMLMap | undefined = node;
  for (const key of keys) {
    current = current ? mapAt(current, key, doc) : undefined;
    if (!current) return undefined;
    maps.push(current);
  }
  const podSpec = maps[maps.length - 1];
  if (!podSpec) return undefined;
  // The pod template is the mapping that holds the pod spec (the object itself for a Pod).
  const template = maps.length >= 2 ? maps[maps.length - 2] : node;
  const templateMetadata = template ? mapAt(template, 'metadata', doc) : undefined;
  const spec = REPLICATED_KINDS.has(object.ref.kind) ? maps[0] : undefined;
  return {
    object,
    podSpec,
    podSpecPath: [...object.path, ...keys],
    templateLabels: stringRecord(templateMetadata ? mapAt(templateMetadata, 'labels', doc) : undefined, doc),
    spec,
    selectorNode: maps[0] && object.ref.kind !== 'Pod' ? mapAt(maps[0], 'selector', doc) : undefined,
  };
}

function readSelector(node: YAMLMap, doc: AliasScope): LabelSelectorJson {
  const matchExpressions: NonNullable<LabelSelectorJson['matchExpressions']> = [];
  for (const item of seqAt(node, 'matchExpressions', doc)?.items ?? []) {
    const expression = resolved(item, doc);
    if (!isMap(expression)) continue;
    const values = seqAt(expression, 'values', doc)?.items ?? [];
    matchExpressions.push({
      key: stringAt(expression, 'key', doc) ?? '',
      operator: stringAt(expression, 'operator', doc) ?? '',
      values: values.flatMap((v) => scalarText(resolved(v, doc)) ?? []),
    });
  }
  return { matchLabels: stringRecord(mapAt(node, 'matchLabels', doc), doc), matchExpressions };
}

/** A Service selector (its entries) selects nothing when empty: such a Service has endpoints managed by hand. */
function serviceSelects(selector: readonly (readonly [string, string])[], labels: Readonly<Record<string, string>>): boolean {
  return selector.length > 0 && selector.every(([key, value]) => labels[key] === value);
}

// ---------------------------------------------------------------------------------------
// Containers

type ContainerRole = 'container' | 'init' | 'sidecar';

const JOB_KINDS = new Set(['Job', 'CronJob']);

function checkPodSpec(workload: Workload): void {
  const { doc } = workload.object;
  const restartPolicy = stringAt(workload.podSpec, 'restartPolicy', doc);
  // A Pod that is not restarted runs to completion like a Job: probes make no sense for it.
  const runsToCompletion = JOB_KINDS.has(workload.object.ref.kind) || (workload.object.ref.kind === 'Pod' && (restartPolicy === 'Never' || restartPolicy === 'OnFailure'));
  for (const listKey of ['initContainers', 'containers'] as const) {
    const list = seqAt(workload.podSpec, listKey, doc);
    if (!list) continue;
    list.items.forEach((item, index) => {
      const container = resolved(item, doc);
      if (!isMap(container)) return;
      let role: ContainerRole = 'container';
      // Native sidecars (init containers that keep running) serve and can have probes.
      if (listKey === 'initContainers') role = stringAt(container, 'restartPolicy', doc) === 'Always' ? 'sidecar' : 'init';
      const editable = item === container;
      checkContainer(workload, container, [...workload.podSpecPath, listKey, index], role, runsToCompletion, editable);
    });
  }
}

function checkContainer(
  workload: Workload, container: YAMLMap, path: readonly PathSegment[], role: ContainerRole,
  runsToCompletion: boolean, editable: boolean,
): void {
  const { doc, file, lines } = workload.object;
  const name = stringAt(container, 'name', doc);
  const label = `${role === 'container' ? 'Container' : role === 'sidecar' ? 'Sidecar container' : 'Init container'} "${name ?? '(no name)'}"`;
  const namePair = pairOf(container, 'name', doc);
  const nameSpan = namePair && container.items.includes(namePair) ? pairSpan(namePair) : undefined;
  const anchor = nameSpan ?? containerStartSpan(container);
  if (!anchor) return;
  const at = lines.range(anchor[0], anchor[1]);
  const atPath = nameSpan ? [...path, 'name'] : path;
  const report = (code: ManifestCheckCode, message: string, fixes: readonly Fix[], range = at, findingPath = atPath): void => {
    file.findings.push({ code, severity: SEVERITY.get(code) ?? 'warning', message, range, fixes, path: findingPath, object: workload.object.ref });
  };

  // Resources: Kubernetes copies a limit into a missing request, so a limit counts as a request.
  const resources = mapAt(container, 'resources', doc);
  const requests = resources ? mapAt(resources, 'requests', doc) : undefined;
  const limits = resources ? mapAt(resources, 'limits', doc) : undefined;
  const has = (m: YAMLMap | undefined, key: string): boolean => m !== undefined && stringAt(m, key, doc) !== undefined;
  const missingRequests = ['cpu', 'memory'].filter((r) => !has(requests, r) && !has(limits, r));
  const missingMemoryLimit = !has(limits, 'memory');
  if (missingRequests.length > 0 || missingMemoryLimit) {
    const fix = editable ? resourcesFix(container, doc, lines, missingRequests, missingMemoryLimit, requests) : undefined;
    const fixes = fix ? [fix] : [];
    if (missingRequests.length > 0) {
      const what = missingRequests.length === 2 ? 'no CPU or memory request' : `no ${missingRequests[0] === 'cpu' ? 'CPU' : 'memory'} request`;
      report('BK101', `${label} has ${what}: the scheduler places it as if it needed nothing, and it is among the first evicted when the node runs short.`, fixes);
    }
    if (missingMemoryLimit) {
      report('BK102', `${label} has no memory limit: a leak can take the node's memory until other pods are evicted or OOM-killed.`, fixes);
    }
  }

  // Probes: for containers that keep running and serve; not for Jobs or run-once Pods.
  if (role !== 'init' && !runsToCompletion) {
    const port = probePort(container, doc);
    if (!hasContent(container, 'readinessProbe', doc)) {
      const fix = editable ? probeFix(container, doc, lines, 'readinessProbe', port) : undefined;
      report('BK103', `${label} has no readinessProbe: Services send it traffic as soon as the process starts, before it can answer, and rollouts do not wait for it.`, fix ? [fix] : []);
    }
    if (!hasContent(container, 'livenessProbe', doc)) {
      const fix = editable ? probeFix(container, doc, lines, 'livenessProbe', port) : undefined;
      report('BK104', `${label} has no livenessProbe: if the process hangs without exiting, nothing restarts it.`, fix ? [fix] : []);
    }
  }

  const imageNode = scalarAt(container, 'image', doc);
  const image = stringAt(container, 'image', doc);
  if (imageNode && hasRange(imageNode) && image !== undefined && image.trim() !== '') {
    const ref = parseImageRef(image);
    const range = lines.range(imageNode.range[0], imageNode.range[1]);
    if (ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest')) {
      const why = ref.tag === undefined ? `Image "${image}" has no tag, which means latest` : `Image "${image}" uses the latest tag`;
      report('BK105', `${why}: each node may run a different build, and a rollback cannot return to the previous one. Pin a version tag or a digest.`, [], range, [...path, 'image']);
    }
  }
}

/** The first line of a container without a `name:` (from its first key to the end of that entry). */
function containerStartSpan(container: YAMLMap): [number, number] | undefined {
  const first = container.items[0];
  if (first) return pairSpan(first);
  return hasRange(container) ? [container.range[0], container.range[1]] : undefined;
}

/** True when `key` holds something other than null or an empty mapping. */
function hasContent(map: YAMLMap, key: string, doc: AliasScope): boolean {
  const pair = pairOf(map, key, doc);
  if (!pair) return false;
  const value = resolved(pair.value, doc);
  if (value === undefined) return false;
  if (isScalar(value)) return value.value !== null;
  if (isMap(value) || isSeq(value)) return value.items.length > 0;
  return true;
}

/** The port a probe skeleton should use: the first declared container port (by name when named). */
function probePort(container: YAMLMap, doc: AliasScope): { value: string; known: boolean } {
  const first = resolved(seqAt(container, 'ports', doc)?.items[0], doc);
  if (isMap(first)) {
    const name = stringAt(first, 'name', doc);
    if (name !== undefined && /^[a-z0-9-]+$/.test(name) && /[a-z]/.test(name)) return { value: name, known: true };
    const number = scalarAt(first, 'containerPort', doc)?.value;
    if (typeof number === 'number') return { value: String(number), known: true };
  }
  return { value: '8080', known: false };
}

/** Placeholder requests and a memory limit: valid values the user is asked to measure and replace. */
function resourcesFix(
  container: YAMLMap, doc: AliasScope, lines: LineIndex, missingRequests: readonly string[], missingMemoryLimit: boolean,
  requests: YAMLMap | undefined,
): Fix | undefined {
  const children: SkeletonEntry[] = [];
  if (missingRequests.length > 0) {
    children.push({
      key: 'requests',
      children: missingRequests.map((r) => (r === 'cpu'
        ? { key: 'cpu', value: '100m', note: 'TODO measure: typical use (kubectl top pod)' }
        : { key: 'memory', value: '128Mi', note: 'TODO measure: typical use' })),
    });
  }
  if (missingMemoryLimit) {
    // A limit below the request is refused by the API server: start from the request.
    const existing = requests ? scalarAt(requests, 'memory', doc) : undefined;
    const value = existing && hasRange(existing) ? lines.text.slice(existing.range[0], existing.range[1]) : '128Mi';
    children.push({
      key: 'limits',
      children: [{ key: 'memory', value, note: 'TODO measure: above the peak; a CPU limit is optional' }],
    });
  }
  const edits = planAdditions(container, [{ key: 'resources', children }], doc, lines);
  if (!edits) return undefined;
  const parts = [missingRequests.length > 0 ? 'resource requests' : '', missingMemoryLimit ? 'a memory limit' : ''].filter((p) => p !== '');
  return { title: `Add ${parts.join(' and ')} (placeholders to measure)`, edits, preferred: true };
}

function probeFix(container: YAMLMap, doc: AliasScope, lines: LineIndex, key: 'readinessProbe' | 'livenessProbe', port: { value: string; known: boolean }): Fix | undefined {
  const portEntry: SkeletonEntry = port.known ? { key: 'port', value: port.value } : { key: 'port', value: port.value, note: 'TODO the port the app listens on' };
  const entry: SkeletonEntry = key === 'readinessProbe'
    ? {
      key,
      comment: 'TODO an endpoint that answers 200 only once the app can serve requests',
      children: [{ key: 'httpGet', children: [{ key: 'path', value: '/healthz' }, portEntry] }, { key: 'periodSeconds', value: '10' }],
    }
    : {
      key,
      comment: 'TODO an endpoint that fails only when a restart would help (not when a dependency is slow)',
      children: [
        { key: 'httpGet', children: [{ key: 'path', value: '/healthz' }, portEntry] },
        { key: 'periodSeconds', value: '10' },
        { key: 'failureThreshold', value: '3' },
      ],
    };
  const edits = planAdditions(container, [entry], doc, lines);
  return edits ? { title: `Add a ${key} to fill in`, edits, preferred: true } : undefined;
}

// ---------------------------------------------------------------------------------------
// Replicas, Services and disruption budgets

/** Two objects can meet when their namespaces are equal, or one is left to `kubectl -n` / `helm -n`. */
function sameNamespace(a: ObjectRef, b: ObjectRef): boolean {
  return a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace;
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} "${ref.name ?? '(no name)'}"`;
}

function checkReplicas(workload: Workload, catalog: Catalog): void {
  const { object, spec } = workload;
  if (!spec) return;
  const { doc, file, lines, ref } = object;
  const replicasPair = pairOf(spec, 'replicas', doc);
  const replicasNode = replicasPair ? resolved(replicasPair.value, doc) : undefined;
  const autoscaler = catalog.autoscalers.find((h) => h.targetKind === ref.kind && h.targetName === ref.name && ref.name !== undefined && sameNamespace(h.object.ref, ref));
  let replicas: number;
  if (autoscaler) replicas = autoscaler.minReplicas;
  else if (replicasNode === undefined || (isScalar(replicasNode) && replicasNode.value === null)) replicas = 1;
  else if (isScalar(replicasNode) && typeof replicasNode.value === 'number') replicas = replicasNode.value;
  else return; // not a number: nothing sensible to say

  const anchor = replicasPair && spec.items.includes(replicasPair) && !autoscaler
    ? { span: pairSpan(replicasPair), path: [...object.path, 'spec', 'replicas'] }
    : objectAnchor(object);
  if (!anchor.span) return;
  const range = lines.range(anchor.span[0], anchor.span[1]);
  const push = (code: ManifestCheckCode, message: string, fixes: readonly Fix[], related?: RelatedLocation[]): void => {
    file.findings.push({ code, severity: SEVERITY.get(code) ?? 'warning', message, range, fixes, path: anchor.path, object: ref, ...(related ? { related } : {}) });
  };

  if (ref.kind === 'Deployment' && replicas === 1) {
    const service = catalog.services.find((s) => sameNamespace(s.object.ref, ref) && serviceSelects(s.selectorEntries, workload.templateLabels));
    if (service) {
      const where = service.object.file === file ? '' : ` (${service.object.file.fileName})`;
      const how = autoscaler
        ? `its HorizontalPodAutoscaler "${autoscaler.object.ref.name ?? ''}" has minReplicas 1`
        : 'it runs a single replica';
      const related = objectAnchor(service.object);
      push(
        'BK106',
        `${describe(ref)} is behind Service "${service.object.ref.name ?? ''}"${where} and ${how}: a node drain, a node failure or a crash leaves the Service without a ready pod until a new one starts.`,
        autoscaler ? [] : replicasFix(workload, replicasPair),
        related.span
          ? [{
            fileName: service.object.file.fileName,
            range: service.object.lines.range(related.span[0], related.span[1]),
            message: 'the Service that selects its pods',
            object: service.object.ref,
            path: related.path,
          }]
          : undefined,
      );
    }
  }

  if (replicas >= 2) {
    const covered = catalog.budgets.some((b) => b.selector !== undefined && sameNamespace(b.object.ref, ref) && matchesSelector(workload.templateLabels, b.selector));
    if (!covered) {
      const fix = budgetFix(workload);
      push(
        'BK107',
        `${describe(ref)} runs ${replicas} replicas and no PodDisruptionBudget selects its pods: a node drain or cluster upgrade may evict all of them at once.`,
        fix ? [fix] : [],
      );
    }
  }
}

/** Where to report something about a whole object: `metadata.name`, else `kind`. */
function objectAnchor(object: KubeObject): { span: [number, number] | undefined; path: PathSegment[] } {
  const metadata = mapAt(object.node, 'metadata', object.doc);
  const namePair = metadata ? pairOf(metadata, 'name', object.doc) : undefined;
  if (metadata && namePair && metadata.items.includes(namePair)) return { span: pairSpan(namePair), path: [...object.path, 'metadata', 'name'] };
  const kindPair = pairOf(object.node, 'kind', object.doc);
  return { span: kindPair ? pairSpan(kindPair) : undefined, path: [...object.path, 'kind'] };
}

function replicasFix(workload: Workload, replicasPair: Pair | undefined): Fix[] {
  const { spec, object } = workload;
  if (!spec) return [];
  const title = 'Run 2 replicas';
  if (replicasPair) {
    const value = replicasPair.value;
    if (!spec.items.includes(replicasPair) || !isScalar(value) || !hasRange(value) || value.range[1] <= value.range[0]) return [];
    return [{ title, edits: [{ range: object.lines.range(value.range[0], value.range[1]), newText: '2' }], preferred: true }];
  }
  const entry: SkeletonEntry = { key: 'replicas', value: '2' };
  const first = planFirstEntries(spec, [entry], object.lines);
  const edits: TextEdit[] | undefined = first ? [first] : planAdditions(spec, [entry], object.doc, object.lines);
  return edits ? [{ title, edits, preferred: true }] : [];
}

/** A new document at the end of the file: a PodDisruptionBudget with the workload's own selector. */
function budgetFix(workload: Workload): Fix | undefined {
  const { object } = workload;
  if (object.ref.name === undefined) return undefined;
  let selector: string[];
  const selectorNode = workload.selectorNode;
  if (selectorNode && selectorNode.items.length > 0) {
    // matchExpressions are rare: let the yaml package write them.
    const written = stringify(selectorNode.toJSON(), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
    selector = written.trimEnd().split('\n');
  } else if (Object.keys(workload.templateLabels).length > 0) {
    selector = ['matchLabels:', ...Object.entries(workload.templateLabels).map(([k, v]) => `  ${yamlString(k)}: ${yamlString(v)}`)];
  } else {
    return undefined;
  }
  const lines = [
    '---',
    `# TODO check: how many pods of ${describe(object.ref)} may be down at once during drains and upgrades`,
    'apiVersion: policy/v1',
    'kind: PodDisruptionBudget',
    'metadata:',
    `  name: ${yamlString(object.ref.name)}`,
    ...(object.ref.namespace !== undefined ? [`  namespace: ${yamlString(object.ref.namespace)}`] : []),
    'spec:',
    '  maxUnavailable: 1',
    '  selector:',
    ...selector.map((l) => `    ${l}`),
  ];
  const { text } = object.file;
  const end = object.file.lines.position(text.length);
  const separator = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  return {
    title: 'Add a PodDisruptionBudget for these pods',
    edits: [{ range: { start: end, end }, newText: `${separator}${lines.join('\n')}\n` }],
    preferred: true,
  };
}
