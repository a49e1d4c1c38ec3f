/**
 * Validity of an image reference as Docker's `reference.ParseNormalizedNamed` judges
 * it (github.com/distribution/reference grammar), with the reason when it fails.
 */

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const HEX_ID = /^[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/** Why a reference is invalid, or undefined when Docker accepts it. */
export function referenceProblem(ref: string): string | undefined {
  if (ref === '') return 'an empty image name';
  if (HEX_ID.test(ref)) return 'a 64-character hexadecimal ID, not an image name';
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  // The first component is a registry when it looks like a host (or is not lower case).
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  const remainder = hasDomain ? ref.slice(slash + 1) : ref;
  const colon = remainder.indexOf(':');
  const repository = colon < 0 ? remainder : remainder.slice(0, colon);
  if (repository.toLowerCase() !== repository) return `not valid: the repository name '${repository}' must be lower case`;
  const m = REFERENCE.exec(ref);
  if (!m) return 'not a valid image reference';
  if ((m[1] as string).length > MAX_NAME_LENGTH) return `not valid: the name is longer than ${MAX_NAME_LENGTH} characters`;
  return undefined;
}
