/**
 * Local images as the Images view shows them: grouped by repository, one row per tag,
 * dangling images (no tag) apart, each with the containers that use it.
 */

/** What the engine's `GET /images/json` says about one image (fields Berth reads). */
export interface ImageSummary {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  /** Seconds since the epoch. */
  readonly created: number;
  /** Bytes. */
  readonly size: number;
}

/** What `GET /containers/json?all=1` says about one container. */
export interface ContainerSummary {
  readonly id: string;
  readonly names: readonly string[];
  readonly imageId: string;
  readonly state: string;
}

export interface TaggedImage {
  /** `repo:tag` as the engine lists it. */
  readonly reference: string;
  readonly repository: string;
  readonly tag: string;
  readonly id: string;
  /** `1a2b3c4d5e6f`: the ID without `sha256:`, 12 characters. */
  readonly shortId: string;
  readonly created: number;
  readonly size: number;
  /** Container names (without `/`) that use the image. */
  readonly containers: readonly string[];
}

export interface RepositoryGroup {
  readonly repository: string;
  /** Newest first. */
  readonly tags: readonly TaggedImage[];
}

export interface DanglingImage {
  readonly id: string;
  readonly shortId: string;
  readonly created: number;
  readonly size: number;
  readonly containers: readonly string[];
}

export interface ImageGroups {
  /** Sorted by repository name. */
  readonly repositories: readonly RepositoryGroup[];
  /** Newest first. */
  readonly dangling: readonly DanglingImage[];
  /** Distinct image IDs. */
  readonly imageCount: number;
  /** Sum of the distinct images' sizes (shared layers counted in each). */
  readonly totalSize: number;
}

/** `sha256:1a2b...` -> `1a2b3c4d5e6f`. */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Splits `registry:5000/a/b:tag` at the tag's colon (the last one after the last `/`). */
export function splitReference(reference: string): { repository: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: 'latest' };
}

/** Groups images for the tree. Images with only `<none>:<none>` tags are dangling. */
export function groupImages(images: readonly ImageSummary[], containers: readonly ContainerSummary[] = []): ImageGroups {
  const usedBy = new Map<string, string[]>();
  for (const c of containers) {
    const names = usedBy.get(c.imageId) ?? [];
    names.push(c.names[0]?.replace(/^\//, '') ?? shortImageId(c.id));
    usedBy.set(c.imageId, names);
  }
  const byRepository = new Map<string, TaggedImage[]>();
  const dangling: DanglingImage[] = [];
  const seen = new Set<string>();
  let totalSize = 0;
  for (const image of images) {
    if (!seen.has(image.id)) {
      seen.add(image.id);
      totalSize += image.size;
    }
    const users = usedBy.get(image.id) ?? [];
    const tags = image.repoTags.filter((t) => t !== '<none>:<none>' && t !== '');
    if (tags.length === 0) {
      dangling.push({ id: image.id, shortId: shortImageId(image.id), created: image.created, size: image.size, containers: users });
      continue;
    }
    for (const reference of tags) {
      const { repository, tag } = splitReference(reference);
      const list = byRepository.get(repository) ?? [];
      list.push({ reference, repository, tag, id: image.id, shortId: shortImageId(image.id), created: image.created, size: image.size, containers: users });
      byRepository.set(repository, list);
    }
  }
  const repositories = [...byRepository.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([repository, tags]) => ({ repository, tags: tags.sort((a, b) => b.created - a.created || (a.tag < b.tag ? -1 : 1)) }));
  dangling.sort((a, b) => b.created - a.created);
  return { repositories, dangling, imageCount: seen.size, totalSize };
}

/** "3 minutes ago", "2 days ago": `created` and `now` in seconds since the epoch. */
export function formatAge(created: number, now: number): string {
  const seconds = Math.max(0, Math.round(now - created));
  const units: [number, string][] = [[365 * 86400, 'year'], [30 * 86400, 'month'], [7 * 86400, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${name}${n === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** The default tag for a build: `<folder name>:<short commit>` (or `:latest`), made valid for Docker. */
export function defaultBuildTag(folderName: string, commit: string | undefined): string {
  const repository = folderName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'image';
  const tag = commit !== undefined && /^[0-9a-f]{7,40}$/i.test(commit) ? commit.slice(0, 12).toLowerCase() : 'latest';
  return `${repository}:${tag}`;
}

/** True for a reference Docker accepts as `repository[:tag]` (lower-case path, optional registry with port). */
export function isValidReference(reference: string): boolean {
  return /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/.test(reference);
}
