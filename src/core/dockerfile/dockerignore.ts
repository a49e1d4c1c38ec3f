/**
 * `.dockerignore` matching with Docker's semantics, as the Docker CLI reads the file
 * (moby/patternmatcher `ignorefile.ReadAll`) and as BuildKit and the daemon match
 * paths against it (`patternmatcher`):
 *
 * - one pattern a line; a line whose first character is `#` is a comment; blank lines
 *   are skipped; patterns are trimmed and cleaned like Go's `filepath.Clean`, and a
 *   leading `/` is dropped (paths are relative to the context root);
 * - `*` matches any run of characters except `/`, `?` one character except `/`,
 *   `[...]` a character class, `\` escapes the next character;
 * - a `**` path element matches any number of directories, zero included (`a/**` takes
 *   everything under `a`);
 * - `!pattern` re-includes what earlier patterns excluded; the last pattern that
 *   matches a path decides;
 * - a path is excluded when it, or one of its parent directories, matches.
 *
 * Pure: no I/O. Paths use `/` and are relative to the build context.
 */

/** One cleaned pattern of a `.dockerignore` file. */
export interface DockerignorePattern {
  /** The cleaned pattern, without its `!`. */
  readonly pattern: string;
  /** `!pattern`: re-includes paths that earlier patterns excluded. */
  readonly negated: boolean;
  /** 0-based line in the `.dockerignore` text. */
  readonly line: number;
  /** False when the pattern cannot be compiled (Docker fails the build on it). */
  readonly valid: boolean;
  /** True when this pattern alone matches `path` (no parent-directory logic). */
  matches(path: string): boolean;
}

/**
 * Go's `path.Clean`: collapses `//`, removes `.` elements and resolves `..` against
 * the element before it. The empty string cleans to `.`.
 */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's `path.Dir`: everything before the last `/`, cleaned; `.` when there is none. */
function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return cleanPath(slash < 0 ? '' : path.slice(0, slash + 1));
}

// Characters that mean something to a regular expression but nothing to Docker's glob.
const REGEXP_ONLY = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

type Matcher = (path: string) => boolean;

/**
 * Compiles a cleaned pattern the way patternmatcher does: plain patterns compare
 * exactly, a trailing or leading `**` compares by prefix or suffix, the rest
 * become a regular expression anchored at both ends.
 */
function compile(pattern: string): Matcher | undefined {
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  let source = '^';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const start = i;
    const c = chars[i] as string;
    if (c === '*') {
      if (chars[i + 1] === '*') {
        i++;
        // `**/` behaves as `**`: the slash is part of what it matches.
        if (chars[i + 1] === '/') i++;
        if (i + 1 >= chars.length) {
          // A trailing `**` accepts everything below, like .gitignore.
          if (kind === 'exact') kind = 'prefix';
          else { source += '.*'; kind = 'regexp'; }
        } else {
          source += '(.*/)?';
          kind = 'regexp';
        }
        // A leading `**` makes it a suffix pattern; later wildcards may still
        // turn it into a regular expression.
        if (start === 0) kind = 'suffix';
      } else {
        source += '[^/]*';
        kind = 'regexp';
      }
    } else if (c === '?') {
      source += '[^/]';
      kind = 'regexp';
    } else if (REGEXP_ONLY.has(c)) {
      source += `\\${c}`;
    } else if (c === '\\') {
      const next = chars[i + 1];
      // A trailing `\` stays a lone backslash, as in Docker (it then escapes the `$` anchor).
      if (next !== undefined) { source += `\\${next}`; i++; } else source += '\\';
    } else if (c === '[' || c === ']') {
      source += c;
      kind = 'regexp';
    } else {
      source += c;
    }
  }

  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      // `**/foo` also matches `foo` at the root.
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      let re: RegExp;
      try {
        re = new RegExp(`${source}$`);
      } catch {
        return undefined;
      }
      return (path) => re.test(path);
    }
  }
}

/**
 * Reads `.dockerignore` text into cleaned patterns, in file order. Invalid patterns
 * are kept with `valid: false` and never match.
 */
export function parseDockerignore(text: string): DockerignorePattern[] {
  const patterns: DockerignorePattern[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (index === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    // Comments are recognised before trimming: ` #x` is a pattern, as in Docker.
    if (line.startsWith('#')) return;
    let pattern = line.trim();
    if (pattern === '') return;
    const negated = pattern.startsWith('!');
    if (negated) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    if (negated && pattern === '') {
      // A lone `!` is an error for Docker; it can never match anything.
      patterns.push({ pattern, negated, line: index, valid: false, matches: () => false });
      return;
    }
    const matcher = compile(pattern);
    patterns.push({
      pattern,
      negated,
      line: index,
      valid: matcher !== undefined,
      matches: matcher ?? (() => false),
    });
  });
  return patterns;
}

/** A compiled `.dockerignore`. */
export class DockerignoreMatcher {
  readonly patterns: readonly DockerignorePattern[];

  constructor(patterns: readonly DockerignorePattern[]) {
    this.patterns = patterns;
  }

  /** True when some pattern is a `!` re-inclusion (such files are hard to judge statically). */
  get hasNegations(): boolean {
    return this.patterns.some((p) => p.negated);
  }

  /**
   * True when `path` (relative to the context, `/`-separated) is left out of the
   * build context: it or one of its parent directories matches, and no later `!`
   * pattern re-includes it. Docker's `MatchesOrParentMatches`.
   */
  isExcluded(path: string): boolean {
    return this.decidingPattern(path)?.negated === false;
  }

  /**
   * The last pattern that decided about `path`, or undefined when none matched.
   * A negated result means the path was re-included.
   */
  decidingPattern(path: string): DockerignorePattern | undefined {
    const file = cleanPath(path);
    const parent = dirOf(file);
    const parentParts = parent.split('/');
    let excluded = false;
    let decided: DockerignorePattern | undefined;
    for (const pattern of this.patterns) {
      // Once excluded, only `!` patterns can change the outcome, and the other way round.
      if (pattern.negated !== excluded) continue;
      let hit = pattern.matches(file);
      if (!hit && parent !== '.') {
        for (let i = 1; i <= parentParts.length && !hit; i++) hit = pattern.matches(parentParts.slice(0, i).join('/'));
      }
      if (hit) {
        excluded = !pattern.negated;
        decided = pattern;
      }
    }
    return decided;
  }
}

/** Parses and compiles `.dockerignore` text. */
export function createDockerignoreMatcher(text: string): DockerignoreMatcher {
  return new DockerignoreMatcher(parseDockerignore(text));
}
