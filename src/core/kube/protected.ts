/**
 * Protected contexts: names matching one of the user's patterns (`prod*`, `*-live`,
 * `eu-?-prod`) need the context name typed before any change. Globs know `*` (any run of
 * characters, also none) and `?` (one character), match the whole name and ignore case.
 */

/** True when `name` matches one of `patterns`; blank patterns are ignored. */
export function isProtectedContext(name: string, patterns: readonly string[]): boolean {
  const subject = name.toLowerCase();
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase();
    if (pattern && globMatches(pattern, subject)) return true;
  }
  return false;
}

/**
 * Glob match that backtracks only to the last `*` (at most pattern x name steps), so a
 * pattern like `*a*a*a*b` cannot blow up exponentially as a regular expression might.
 */
function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
