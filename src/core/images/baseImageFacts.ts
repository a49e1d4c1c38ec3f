import type { BaseImageFacts } from '../dockerfile/stageSummary';
import { lookupBaseImage } from './baseImages';

/** Base image sizes for the code lenses, from the dated table shipped with Berth. */
export function lookupBaseImageFacts(ref: string): BaseImageFacts | undefined {
  const entry = lookupBaseImage(ref);
  if (!entry) return undefined;
  return {
    onDiskMB: entry.onDiskMB,
    compressedMB: entry.compressedMB,
    source: `table ${entry.snapshot}`,
    estimated: entry.estimated ?? false,
  };
}
