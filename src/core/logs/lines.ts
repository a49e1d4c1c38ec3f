/**
 * Cuts a decoded log stream into lines. Chunks may end anywhere, including between the CR
 * and the LF of a CRLF. A line longer than the limit keeps its first `maxLineChars`
 * characters and ends with a visible suffix instead of the rest; the rest is counted, not
 * stored, so a 1 MB line costs time proportional to its length and memory of at most the
 * limit. Control characters other than TAB and ESC (NUL, BEL, a CR that does not end a
 * line, DEL...) are replaced by their visible Unicode "control picture" (U+2400 block), so
 * nothing in a line is invisible or interpreted; ESC is kept for the ANSI parser.
 *
 * Lengths are in UTF-16 code units (JavaScript string length); a cut never splits a
 * surrogate pair.
 *
 * Cost: a chunk is checked for control characters once, as a whole; when it has none besides
 * line ends (nearly every chunk of a real log), each line is one slice of it, with no
 * per-line scan or temporary. Only chunks with other controls, lone CRs, a line carried over
 * from the previous chunk or an over-long line take the careful path.
 */

/** Default limit: 1 MiB of characters per line. */
export const DEFAULT_MAX_LINE_CHARS = 1_048_576;

const LF = 0x0a;
const CR = 0x0d;

/** The suffix that replaces what was cut from an over-long line. */
export function truncationSuffix(hiddenChars: number): string {
  return ` … [${hiddenChars} ${hiddenChars === 1 ? 'character' : 'characters'} not shown]`;
}

// The C0 controls but TAB and ESC, and DEL. Written as what they are not: V8 scans a class of
// the common ranges about twice as fast, and every character of the log goes through it.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[^\t\u001b\u0020-\u007e\u0080-\uffff]/g;
/** What makes a chunk need the careful path: any control CONTROL replaces, except LF and CR. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_BESIDES_LINE_ENDS = /[^\t\n\r\u001b\u0020-\u007e\u0080-\uffff]/;
/** A CR that is not the first half of a CRLF (also one at the end of a chunk: the next decides). */
const LONE_CR = /\r(?!\n)/;

function controlPicture(char: string): string {
  const code = char.charCodeAt(0);
  // U+2400..U+241F picture C0 controls in order; U+2421 pictures DEL.
  return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
}

/** Replaces C0 controls except TAB and ESC, and DEL, by visible symbols (same length). */
export function makeControlsVisible(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, controlPicture) : text;
}

export class LineSplitter {
  private readonly maxLineChars: number;
  /** Pieces of the current, unfinished line (at most maxLineChars characters in total). */
  private readonly parts: string[] = [];
  private keptChars = 0;
  /** Characters of the current line beyond the limit: counted, never stored. */
  private hiddenChars = 0;
  /** The previous chunk ended with CR: whether it ends a line depends on the next character. */
  private pendingCR = false;

  /** @param maxLineChars characters kept per line before the rest is cut (default 1,048,576). */
  constructor(maxLineChars: number = DEFAULT_MAX_LINE_CHARS) {
    if (!Number.isInteger(maxLineChars) || maxLineChars < 1) throw new RangeError(`maxLineChars must be a positive integer, got ${maxLineChars}`);
    this.maxLineChars = maxLineChars;
  }

  /** Adds a chunk of text and returns the lines it completed (without their line ends). */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk.length === 0) {
        this.pendingCR = true;
        return lines;
      }
      if (chunk.charCodeAt(0) === LF) {
        lines.push(this.takeLine());
        start = 1;
      } else {
        this.append('\r');
      }
    }
    // One scan of the whole chunk instead of one per line: without controls (CRLF aside), a
    // line that starts in this chunk and fits the limit is exactly its slice.
    const plain = !CONTROL_BESIDES_LINE_ENDS.test(chunk) && (chunk.indexOf('\r') === -1 || !LONE_CR.test(chunk));
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline === -1) break;
      const end = newline > start && chunk.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
      if (plain && this.keptChars === 0 && this.hiddenChars === 0 && end - start <= this.maxLineChars) {
        lines.push(chunk.slice(start, end));
      } else {
        this.append(chunk, start, end);
        lines.push(this.takeLine());
      }
      start = newline + 1;
    }
    if (start < chunk.length) {
      // Hold back a final CR until we know whether an LF follows it.
      if (chunk.charCodeAt(chunk.length - 1) === CR) {
        this.append(chunk, start, chunk.length - 1);
        this.pendingCR = true;
      } else {
        this.append(chunk, start, chunk.length);
      }
    }
    return lines;
  }

  /**
   * Ends the stream: returns the last line if it had no line end. A final lone CR is taken
   * as its line end.
   */
  end(): string[] {
    const hasRest = this.pendingCR || this.keptChars > 0 || this.hiddenChars > 0;
    this.pendingCR = false;
    return hasRest ? [this.takeLine()] : [];
  }

  private append(text: string, from = 0, to: number = text.length): void {
    const length = to - from;
    if (length <= 0) return;
    const room = this.maxLineChars - this.keptChars;
    if (room <= 0) {
      this.hiddenChars += length;
      return;
    }
    if (length <= room) {
      this.parts.push(from === 0 && to === text.length ? text : text.slice(from, to));
      this.keptChars += length;
      return;
    }
    this.parts.push(text.slice(from, from + room));
    this.keptChars = this.maxLineChars;
    this.hiddenChars += length - room;
  }

  private takeLine(): string {
    let text = this.parts.length === 1 ? (this.parts[0] ?? '') : this.parts.join('');
    let hidden = this.hiddenChars;
    // A cut line must not end on the first half of a surrogate pair whose second half was
    // cut off (whichever chunk each half came in): that half goes with the hidden part.
    const last = text.charCodeAt(text.length - 1);
    if (hidden > 0 && last >= 0xd800 && last <= 0xdbff) {
      text = text.slice(0, -1);
      hidden++;
    }
    this.parts.length = 0;
    this.keptChars = 0;
    this.hiddenChars = 0;
    const visible = makeControlsVisible(text);
    return hidden > 0 ? visible + truncationSuffix(hidden) : visible;
  }
}
