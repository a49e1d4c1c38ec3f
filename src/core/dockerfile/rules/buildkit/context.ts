/**
 * BuildKit's check of COPY/ADD sources against the `.dockerignore` of the build context.
 */
import type { Instruction, Range } from '../../model';
import { argRange } from '../../positions';
import { cleanPath, createDockerignoreMatcher } from '../../dockerignore';
import type { DockerignoreMatcher } from '../../dockerignore';
import type { Rule } from '../types';
import { argsRange, instructionsOf } from '../util';
import { expandKnown, walkStages } from './scope';
import { unquoteWord } from './support';
import { wordsOf } from '../../args';

interface Source {
  readonly text: string;
  readonly range: Range;
}

/** The source arguments of a COPY/ADD from the build context, with their ranges. */
function contextSources(inst: Instruction): Source[] {
  if (inst.flags.some((f) => f.name === 'from')) return [];
  if (inst.json) return inst.json.slice(0, -1).map((text) => ({ text, range: argsRange(inst) }));
  const words = wordsOf(inst).filter((w) => !w.text.startsWith('<<'));
  // With a heredoc the inline document is the source and the only word is the destination.
  if (inst.heredocs.length > 0) return [];
  return words.slice(0, -1).map((w) => ({ text: w.text, range: argRange(inst, w.offset, w.text.length) }));
}

/** URLs and git references are fetched, not read from the context. */
function isRemote(source: string): boolean {
  return /^(https?|git|ssh):\/\//i.test(source) || /^git@/.test(source);
}

/** Patterns that exclude everything at the root, which is the only way `.` itself is ignored. */
function excludesWholeContext(matcher: DockerignoreMatcher): boolean {
  return matcher.patterns.some((p) => !p.negated && (p.pattern === '*' || p.pattern === '**' || p.pattern === '**/*'));
}

export const copyIgnoredFile: Rule = {
  code: 'CopyIgnoredFile',
  family: 'buildkit',
  severity: 'warning',
  title: 'COPY and ADD should not name files that .dockerignore excludes',
  doc: {
    why: '`.dockerignore` removes files from the build context before the build starts, so a COPY of an ignored path fails or silently copies nothing; either the ignore pattern or the COPY is wrong.',
    bad: 'FROM node:22-slim\nWORKDIR /app\nCOPY package.json dist/ ./\n',
    good: 'FROM node:22-slim\nWORKDIR /app\nCOPY package.json src/ ./\n',
    context: { dockerignore: '# build output is made inside the image\ndist\nnode_modules\n*.log\n' },
    deviation: 'BuildKit runs this check only when experimental checks are enabled; Berth runs it whenever the build context is known (not for stdin or unsaved files). Like BuildKit it is skipped when `.dockerignore` has `!` re-inclusion patterns, which cannot be judged without the files. A source starting with `/` is matched relative to the context root, where Docker reads it from (BuildKit compares it as written and misses it).',
  },
  check(ctx) {
    const dockerignore = ctx.options.buildContext?.dockerignore;
    if (dockerignore === undefined) return;
    const matcher = createDockerignoreMatcher(dockerignore);
    if (matcher.hasNegations || matcher.patterns.length === 0) return;
    if (instructionsOf(ctx.df, 'COPY').length === 0 && instructionsOf(ctx.df, 'ADD').length === 0) return;
    const escape = ctx.df.directives.escape;
    walkStages(ctx.df, (inst, scope) => {
      if (inst.keyword !== 'COPY' && inst.keyword !== 'ADD') return;
      for (const source of contextSources(inst)) {
        if (isRemote(source.text)) continue;
        const expanded = expandKnown(source.text, scope, escape);
        if (expanded === undefined) continue;
        const path = unquoteWord(expanded, escape);
        const cleaned = cleanPath(path);
        const relative = cleaned === '/' ? '.' : cleaned.replace(/^\/+/, '');
        if (relative === '.' ? !excludesWholeContext(matcher) : !matcher.isExcluded(relative)) continue;
        const pattern = relative === '.' ? undefined : matcher.decidingPattern(relative);
        const why = pattern ? ` (pattern '${pattern.pattern}' on line ${pattern.line + 1})` : '';
        ctx.report(source.range, `'${path}' is excluded by .dockerignore${why}, so this ${inst.keyword} cannot find it in the build context`);
      }
    });
  },
};
