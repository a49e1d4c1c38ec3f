/**
 * BT202: the final image starts from a heavy base image although the same project
 * publishes a slimmer variant (`node:22` -> `node:22-slim`). Sizes come from the dated
 * table in `core/images/baseImages.ts`.
 */
import type { Stage } from '../../model';
import { parseImageRef } from '../../imageRef';
import type { Fix, Rule } from '../types';
import type { SlimmerVariant } from '../../../images/baseImages';
import { formatMegabytes, lookupBaseImage } from '../../../images/baseImages';
import { rootStage } from './common';
import { isDevelopmentStage } from './unusedStages';
import { wordRange } from '../../args';

/** Below this saving (on disk) a slimmer variant is not worth a warning. */
export const MIN_SAVING_MB = 100;

/**
 * The FROM text for a slimmer variant, keeping the user's spelling: the whole reference
 * when it has no variables, or the tag suffix appended to a `${VERSION}`-style tag.
 */
function replacementText(written: string, expanded: string, slim: SlimmerVariant): string | undefined {
  if (!written.includes('$')) return slim.ref;
  const ref = parseImageRef(expanded);
  if (ref.digest !== undefined || written.includes('@')) return undefined;
  const newTag = parseImageRef(slim.ref).tag;
  const oldTag = ref.tag ?? 'latest';
  if (newTag === undefined || !newTag.startsWith(oldTag)) return undefined;
  return written + newTag.slice(oldTag.length);
}

function stageLabel(stage: Stage): string {
  return stage.isFinal ? 'the final stage' : `stage "${stage.name ?? String(stage.index)}", which the final stage builds on`;
}

export const BT202: Rule = {
  code: 'BT202',
  family: 'berth',
  severity: 'info',
  title: 'Use the slimmer variant of the base image in the final stage',
  doc: {
    why: 'The default tags of language images (node:22, python:3.12) are built on a full Debian with compilers, headers and hundreds of libraries: around 1 GB on disk. The same projects publish -slim and -alpine variants without them that are 80-95% smaller: faster pulls and cold starts, less to store, and far fewer packages for scanners to flag. Build stages may stay heavy; the final image should not.',
    bad: [
      'FROM node:22',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev && npm cache clean --force',
      'COPY . .',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    good: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev && npm cache clean --force',
      'COPY . .',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
  },
  check(ctx) {
    const final = ctx.finalStage;
    if (!final || isDevelopmentStage(final)) return;
    const root = rootStage(ctx.df, final);
    if (!root.image || root.baseStage !== undefined) return;
    const info = lookupBaseImage(root.baseImage);
    if (!info || info.slimmer.length === 0 || info.onDiskMB === undefined) return;
    const heavy = info.onDiskMB;
    const best = info.slimmer.reduce((a, b) => (b.savingPercent > a.savingPercent ? b : a));
    if ((heavy * best.savingPercent) / 100 < MIN_SAVING_MB) return;
    const word = wordRange(root.from, 0);
    if (!word) return;
    const source = info.estimated ? `estimated from ${info.tableRef} in the table, ${info.snapshot}` : `table, ${info.snapshot}`;
    const download = info.compressedMB !== undefined ? `, a ${formatMegabytes(info.compressedMB)} download` : '';
    const options = info.slimmer.map((s, k) => (k === 0 ? `${s.ref} is about ${s.savingPercent}% smaller` : `${s.ref} about ${s.savingPercent}%`));
    const caveat = info.slimmer.some((s) => s.variant === 'alpine') ? ' (Alpine uses musl instead of glibc: check native modules)' : '';
    const fixes: Fix[] = [];
    info.slimmer.forEach((slim, k) => {
      const text = replacementText(word.text, root.baseImage, slim);
      if (text === undefined) return;
      fixes.push({ title: `Switch to ${slim.ref}`, edits: [{ range: word.range, newText: text }], preferred: k === 0 });
    });
    ctx.report(
      word.range,
      `${root.baseImage} is about ${formatMegabytes(heavy)} on disk${download} (${source}), and it is the base of ${stageLabel(root)}; ${options.join(', ')}${caveat}.`,
      fixes,
    );
  },
};
