/**
 * Chart values: the computed values of a release (`helm get values --all`), i.e. the chart's
 * defaults with the user-supplied values coalesced over them, following Helm's rules
 * (pkg/chart/common/util/coalesce.go, `CoalesceValues` -> `coalesceValues` and
 * `coalesceTablesFullKey` with merge=false):
 *   - maps merge key by key, recursively; scalars and lists from the user replace the default;
 *   - a user `null` deletes the key (so `-f` or `--set x=null` can remove a default);
 *     at the top level only keys the chart defines are deleted, so a top-level `null` for a key
 *     the chart does not have stays as null (Helm prints it too); below the top level every
 *     user null disappears;
 *   - a map never replaces a scalar or the other way round: the user's side is kept (Helm logs
 *     a warning).
 * Subcharts are not coalesced: Helm's stored release does not keep the chart's dependencies.
 */
import type { HelmValues } from './types';

function isTable(value: unknown): value is HelmValues {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cloneValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneValue);
  if (isTable(value)) return cloneTable(value);
  return value;
}

function cloneTable(table: HelmValues): HelmValues {
  const copy: HelmValues = {};
  for (const [key, value] of Object.entries(table)) copy[key] = cloneValue(value);
  return copy;
}

function has(table: HelmValues, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** `coalesceTablesFullKey(dst, src, merge=false)`: `dst` (higher precedence) is changed in place. */
function coalesceTables(dst: HelmValues, src: HelmValues): void {
  // A null in dst for a key src lacks still has to delete that key, so src gets the key first.
  for (const [key, value] of Object.entries(dst)) {
    if (value === null) src[key] = null;
  }
  for (const [key, srcValue] of Object.entries(src)) {
    if (!has(dst, key)) {
      dst[key] = srcValue;
      continue;
    }
    const dstValue = dst[key];
    if (dstValue === null) {
      Reflect.deleteProperty(dst, key);
    } else if (isTable(srcValue)) {
      if (isTable(dstValue)) coalesceTables(dstValue, srcValue);
      // else: a scalar or list over a map stays (Helm: "cannot overwrite table with non table").
    }
    // else: dst's scalar, list or map wins.
  }
}

/** Puts keys in the order of `like` (values.yaml's order reads best), then the rest in their own order. */
function orderLike(values: HelmValues, like: HelmValues | undefined): HelmValues {
  const ordered: HelmValues = {};
  const keys = like ? [...Object.keys(like).filter((key) => has(values, key)), ...Object.keys(values).filter((key) => !has(like, key))] : Object.keys(values);
  for (const key of keys) {
    const value = values[key];
    const likeValue = like?.[key];
    ordered[key] = isTable(value) ? orderLike(value, isTable(likeValue) ? likeValue : undefined) : value;
  }
  return ordered;
}

/**
 * The values a release renders with: `chartDefaults` (the chart's values.yaml) with
 * `userValues` (Helm's `config`) coalesced over them, as `helm get values --all` computes
 * them. Neither input is changed. Keys come in the defaults' order, user-only keys after.
 */
export function computeValues(chartDefaults: HelmValues | undefined, userValues: HelmValues | undefined): HelmValues {
  const result = userValues ? cloneTable(userValues) : {};
  const defaults = chartDefaults ? cloneTable(chartDefaults) : {};
  for (const [key, defaultValue] of Object.entries(defaults)) {
    if (!has(result, key)) {
      result[key] = defaultValue;
      continue;
    }
    const userValue = result[key];
    if (userValue === null) {
      Reflect.deleteProperty(result, key);
    } else if (isTable(userValue) && isTable(defaultValue)) {
      coalesceTables(userValue, defaultValue);
    }
    // else: the user's scalar or list wins, and a user map over a default scalar stays as given.
  }
  return orderLike(result, chartDefaults);
}

/** Whether `value` is a values map (not a list, not null). */
export function isValuesTable(value: unknown): value is HelmValues {
  return isTable(value);
}
