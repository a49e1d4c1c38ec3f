/**
 * An API object as a read-only YAML document (describe / open YAML): the object's own key
 * order, without `metadata.managedFields` (server-side apply bookkeeping, often longer than
 * the object itself).
 */
import { stringify } from 'yaml';

/**
 * YAML text of `obj` (a List's items lose their managedFields too). The input is not changed.
 * Strings YAML 1.1 would read as something else (`yes`, `on`, `0777`, `1:20`) are quoted so
 * that kubectl (whose YAML reader follows 1.1) reads the text back the same. Long strings are
 * not folded; repeated objects are written out, never as anchors and aliases.
 */
export function objectToYaml(obj: unknown): string {
  if (obj === undefined) return '';
  return stringify(withoutManagedFields(obj), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

function withoutManagedFields(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return obj;
  const record = obj as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...record };
  const metadata = record.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && 'managedFields' in metadata) {
    const rest: Record<string, unknown> = { ...(metadata as Record<string, unknown>) };
    delete rest.managedFields;
    copy.metadata = rest;
  }
  if (Array.isArray(record.items)) copy.items = record.items.map((item: unknown) => withoutManagedFields(item));
  return copy;
}
