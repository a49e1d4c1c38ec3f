/**
 * ANSI escape sequences in log text, turned into styled segments.
 *
 * Only SGR (`ESC [ ... m`) is interpreted, and only for colours and the attributes a
 * segment can carry. Every other sequence is removed, never acted on: cursor moves and
 * erases (CSI), OSC (titles, OSC 8 hyperlinks, OSC 52 clipboard writes), DCS/SOS/PM/APC
 * strings, charset and other two-character ESC sequences, and a lone ESC. C1 control
 * characters (U+0080..U+009F) are removed one by one; they are not read as 8-bit sequence
 * introducers. Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069) are removed so a line cannot display in an order other than its bytes.
 *
 * The text of a segment is NOT HTML-escaped: the webview puts it into the page with
 * `textContent`. This module must never be used to build HTML strings.
 */

/** A run of text with one style. Absent fields mean the default (off / terminal colour). */
export interface AnsiSegment {
  text: string;
  /** CSS custom property name for palette colours 0-15 (`--ansi-3`), `#rrggbb` otherwise. */
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

interface Style {
  fg: string | undefined;
  bg: string | undefined;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const ESC = 0x1b;
const BEL = 0x07;
/** U+2407, the picture LineSplitter puts in place of BEL before lines reach the webview. */
const BEL_PICTURE = 0x2407;

function plainStyle(): Style {
  return { fg: undefined, bg: undefined, bold: false, dim: false, italic: false, underline: false, inverse: false };
}

// Logs repeat a handful of SGR sequences millions of times, so styles are interned (one
// object per distinct style) and the style each sequence leads to is cached per style.
// Style objects are never changed once interned. Both caches are bounded: clearing them
// only costs speed (and at worst an unmerged segment boundary), never correctness.
const MAX_INTERNED_STYLES = 4096;
const MAX_TRANSITIONS_PER_STYLE = 256;
const internedStyles = new Map<string, Style>();
let transitions = new WeakMap<Style, Map<string, Style>>();

function intern(style: Style): Style {
  const key = `${style.fg ?? ''}|${style.bg ?? ''}|${+style.bold}${+style.dim}${+style.italic}${+style.underline}${+style.inverse}`;
  const known = internedStyles.get(key);
  if (known) return known;
  if (internedStyles.size >= MAX_INTERNED_STYLES) {
    internedStyles.clear();
    transitions = new WeakMap();
  }
  internedStyles.set(key, style);
  return style;
}

const PLAIN = intern(plainStyle());

/** The style after the SGR `params` applied to `from` (cached). */
function styleAfter(from: Style, params: string): Style {
  let byParams = transitions.get(from);
  if (!byParams) {
    byParams = new Map();
    transitions.set(from, byParams);
  }
  let to = byParams.get(params);
  if (to === undefined) {
    if (byParams.size >= MAX_TRANSITIONS_PER_STYLE) byParams.clear();
    to = intern(applySgr(from, params));
    byParams.set(params, to);
  }
  return to;
}

/** Code units that need the slow path: ESC, C1 controls, bidi controls. */
function isSpecial(code: number): boolean {
  return code === ESC || (code >= 0x80 && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** Splits text into styled segments, removing every escape sequence (see the module comment). */
export function parseAnsi(text: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style = PLAIN;
  let runStyle = PLAIN;
  // Text of the current run; a style change only ends the run when text follows, so
  // `ESC[31m ESC[0m` between two pieces of plain text does not split them.
  let run = '';
  let textStart = 0;
  let i = 0;
  const length = text.length;
  for (;;) {
    while (i < length && !isSpecial(text.charCodeAt(i))) i++;
    if (i > textStart) {
      if (style !== runStyle && !sameStyle(style, runStyle)) {
        pushSegment(segments, run, runStyle);
        run = '';
        runStyle = style;
      }
      run += textStart === 0 && i === length ? text : text.slice(textStart, i);
    }
    if (i >= length) break;
    if (text.charCodeAt(i) === ESC) {
      const end = escapeEnd(text, i);
      if (isSgr(text, i, end)) style = styleAfter(style, text.slice(i + 2, end - 1));
      i = end;
    } else {
      // C1 or bidi control: dropped.
      i++;
    }
    textStart = i;
  }
  pushSegment(segments, run, runStyle);
  return segments;
}

function pushSegment(segments: AnsiSegment[], text: string, style: Style): void {
  if (text === '') return;
  const segment: AnsiSegment = { text };
  if (style.fg !== undefined) segment.fg = style.fg;
  if (style.bg !== undefined) segment.bg = style.bg;
  if (style.bold) segment.bold = true;
  if (style.dim) segment.dim = true;
  if (style.italic) segment.italic = true;
  if (style.underline) segment.underline = true;
  if (style.inverse) segment.inverse = true;
  segments.push(segment);
}

/** The text without any escape sequence or bidi control (what a reader sees, unstyled). */
export function stripAnsi(text: string): string {
  let special = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpecial(text.charCodeAt(i))) {
      special = true;
      break;
    }
  }
  if (!special) return text;
  return parseAnsi(text)
    .map((s) => s.text)
    .join('');
}

function sameStyle(a: Style, b: Style): boolean {
  return a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline && a.inverse === b.inverse;
}

/**
 * Where the escape sequence starting at `at` (an ESC) ends (exclusive). Malformed or
 * truncated sequences end at the first character that cannot belong to them; that
 * character is kept as text.
 */
function escapeEnd(text: string, at: number): number {
  const next = at + 1 < text.length ? text.charCodeAt(at + 1) : -1;
  if (next === 0x5b /* [ */) return csiEnd(text, at + 2);
  // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (BEL is xterm's OSC convention,
  // accepted for all of them: the whole string is removed either way).
  if (next === 0x5d /* ] */ || next === 0x50 /* P */ || next === 0x58 /* X */ || next === 0x5e /* ^ */ || next === 0x5f /* _ */) {
    return controlStringEnd(text, at + 2);
  }
  // nF sequences: intermediates 0x20-0x2F then one final 0x30-0x7E (charset selection...).
  let i = at + 1;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  if (i < text.length) {
    const final = text.charCodeAt(i);
    if (final >= 0x30 && final <= 0x7e) return i + 1;
  }
  // A lone ESC, or ESC before something that cannot end a sequence: drop the ESC only (and
  // intermediates cut off by the end of the text). ESC then a printable character is a
  // two-character sequence, as a terminal reads it, so `ESC f` removes the `f` too.
  return i > at + 1 && i >= text.length ? i : at + 1;
}

/** CSI after `ESC [`: parameters 0x30-0x3F, intermediates 0x20-0x2F, one final 0x40-0x7E. */
function csiEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x3f) i++;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  if (i >= text.length) return i;
  const final = text.charCodeAt(i);
  return final >= 0x40 && final <= 0x7e ? i + 1 : i;
}

/**
 * Whether `text[at, end)` is a complete SGR: `ESC [`, parameters made only of digits, `;`
 * and `:`, then `m`. Private markers (`ESC [ > 4 ; 2 m`) and intermediates make it
 * something else, which is removed without being applied.
 */
function isSgr(text: string, at: number, end: number): boolean {
  if (end - at < 3 || text.charCodeAt(at + 1) !== 0x5b || text.charCodeAt(end - 1) !== 0x6d) return false;
  for (let i = at + 2; i < end - 1; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x3b) return false;
  }
  return true;
}

/**
 * End of a control string starting at `from`: after BEL (or its picture U+2407, as the
 * host's LineSplitter has replaced BEL by then), after ST (`ESC \`), or after the 8-bit ST
 * (U+009C). Unterminated: the introducer alone is removed and the rest stays
 * text, so a stray `ESC ]` never hides the remainder of a log line.
 */
function controlStringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BEL || code === BEL_PICTURE || code === 0x9c) return i + 1;
    if (code === ESC) return text.charCodeAt(i + 1) === 0x5c /* \ */ ? i + 2 : i;
  }
  return from;
}

/** Palette index 0-255 to a colour value. */
function paletteColour(index: number): string | undefined {
  if (!Number.isInteger(index) || index < 0 || index > 255) return undefined;
  if (index < 16) return `--ansi-${index}`;
  if (index < 232) {
    const n = index - 16;
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    return hex(level(Math.floor(n / 36)), level(Math.floor(n / 6) % 6), level(n % 6));
  }
  const grey = 8 + (index - 232) * 10;
  return hex(grey, grey, grey);
}

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function byte(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= 255 ? value : undefined;
}

/** Parameter text to a number; empty means 0 (ECMA-48 default). NaN for anything else. */
function toNumber(param: string | undefined): number {
  if (param === undefined || param === '') return 0;
  return /^\d{1,9}$/.test(param) ? Number(param) : Number.NaN;
}

/**
 * An extended colour (38/48) from its arguments: `5;n` or `2;r;g;b` (after `;`), or the
 * colon form `5:n`, `2:r:g:b`, `2::r:g:b` (with an empty colour-space id).
 */
function extendedColour(args: number[]): string | undefined {
  const [mode] = args;
  if (mode === 5) return paletteColour(args[1] ?? Number.NaN);
  if (mode === 2) {
    const r = byte(args[1]);
    const g = byte(args[2]);
    const b = byte(args[3]);
    return r === undefined || g === undefined || b === undefined ? undefined : hex(r, g, b);
  }
  return undefined;
}

/** The style after an SGR sequence with these parameters. */
function applySgr(current: Style, params: string): Style {
  const style = { ...current };
  const list = params === '' ? [''] : params.split(';');
  for (let i = 0; i < list.length; i++) {
    const param = list[i] ?? '';
    if (param.includes(':')) {
      // Colon sub-parameters belong to this one parameter only.
      const [head, ...rest] = param.split(':');
      const code = toNumber(head);
      if (code === 38 || code === 48 || code === 58) {
        const mode = toNumber(rest[0]);
        // `38:2::r:g:b` has an empty colour-space id before r, `38:2:r:g:b` does not.
        const values = mode === 2 && rest.length >= 5 ? rest.slice(2) : rest.slice(1);
        const colour = extendedColour([mode, ...values.map(toNumber)]);
        if (code === 38 && colour !== undefined) style.fg = colour;
        if (code === 48 && colour !== undefined) style.bg = colour;
      } else if (code === 4) {
        // 4:0 is "no underline"; 4:1..4:5 are underline styles, shown as one underline.
        style.underline = toNumber(rest[0]) !== 0;
      }
      continue;
    }
    const code = toNumber(param);
    if (code === 38 || code === 48 || code === 58) {
      const mode = toNumber(list[i + 1]);
      const argCount = mode === 5 ? 1 : mode === 2 ? 3 : 0;
      const args = [mode];
      for (let k = 0; k < argCount; k++) {
        const arg = list[i + 2 + k];
        // A missing argument is malformed, not a default 0 (`38;5` alone sets nothing).
        args.push(arg === undefined ? Number.NaN : toNumber(arg));
      }
      const colour = extendedColour(args);
      if (code === 38 && colour !== undefined) style.fg = colour;
      if (code === 48 && colour !== undefined) style.bg = colour;
      // Skip the arguments even when malformed, so they are not read as codes of their own.
      i += list[i + 1] === undefined ? 0 : 1 + argCount;
      continue;
    }
    applyCode(style, code);
  }
  return style;
}

function applyCode(style: Style, code: number): void {
  if (code >= 30 && code <= 37) style.fg = `--ansi-${code - 30}`;
  else if (code >= 90 && code <= 97) style.fg = `--ansi-${code - 90 + 8}`;
  else if (code >= 40 && code <= 47) style.bg = `--ansi-${code - 40}`;
  else if (code >= 100 && code <= 107) style.bg = `--ansi-${code - 100 + 8}`;
  else {
    switch (code) {
      case 0:
        Object.assign(style, plainStyle());
        break;
      case 1:
        style.bold = true;
        break;
      case 2:
        style.dim = true;
        break;
      case 3:
        style.italic = true;
        break;
      case 4:
      case 21: // ECMA-48 "doubly underlined": shown as the one underline we have
        style.underline = true;
        break;
      case 7:
        style.inverse = true;
        break;
      case 22:
        style.bold = false;
        style.dim = false;
        break;
      case 23:
        style.italic = false;
        break;
      case 24:
        style.underline = false;
        break;
      case 27:
        style.inverse = false;
        break;
      case 39:
        style.fg = undefined;
        break;
      case 49:
        style.bg = undefined;
        break;
      default:
        // 5/6 blink, 8 conceal, 9 strike and their resets (25, 26, 28, 29) have no
        // rendering here; concealed text stays visible on purpose (a log hides nothing).
        // Unknown or malformed codes are ignored.
        break;
    }
  }
}
