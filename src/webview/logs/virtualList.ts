// A virtualised list: the DOM holds only the rows in view plus a few above and below, recycled
// as the view scrolls, so 100,000 lines cost the page a few dozen elements.
//
// The scrollbar always counts lines: U pixels of scroll per line. Two layouts:
// - free (wrap off, the usual case): every row is exactly one line, H pixels tall, and U = H.
//   A spacer of count x H pixels gives the scrollbar its size; the row layer is moved to
//   first-drawn x H. Scrolling is pixel-smooth.
// - pinned (wrap on, or so many lines that count x H would pass what a browser can scroll):
//   the row layer is sticky over the viewport (the compositor keeps it in place while
//   scrolling, no frame of lag) and draws the lines from floor(scrollTop / U) down, as many as
//   could fit (a row is at least H tall), clipping the rest. At the end it draws the last lines
//   bottom-aligned, so the newest line is fully visible when following. Wrapped rows can be of
//   any height without measuring them; scrolling moves by whole lines.

export interface VirtualListOptions {
  /** Stable identity of the entry at `index` (changes when another entry takes that index). */
  keyOf(index: number): number;
  /** Fills a recycled row for `index`. */
  render(row: HTMLElement, index: number): void;
  /** Called when scrolling by the user turns following on or off. */
  onFollowChange(follow: boolean): void;
}

/** Rows drawn beyond each edge of the viewport in the free layout, so a fast scroll shows no gap. */
const OVERSCAN = 8;
/**
 * Scroll height at most. Chromium clamps element heights near 33.5 million pixels (Firefox near
 * 17.9 million); staying under both keeps the scrollbar exact. Past it (e.g. 1,000,000 lines in a
 * large editor font) the list switches to the pinned layout with U < H.
 */
const MAX_SCROLL_PX = 15_000_000;

export class VirtualList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  /** Rows in the DOM now, by the key of the entry they show. */
  private visible = new Map<number, HTMLElement>();
  /** Detached rows waiting for reuse. */
  private readonly pool: HTMLElement[] = [];
  /** Render generation each row was drawn at; an older one is redrawn. */
  private readonly drawnAt = new WeakMap<HTMLElement, number>();
  private count = 0;
  /** H: the height of a one-line row, measured from the stylesheet and the editor font. */
  private rowHeight = 19;
  private wrap = false;
  private following = true;
  private generation = 0;
  private frame: number | undefined;
  /** scrollTop we set ourselves; the scroll event it causes is not the user's intent. */
  private expectedScrollTop: number | undefined;
  private widestRow = 0;

  constructor(private readonly options: VirtualListOptions) {
    this.element = document.createElement('div');
    this.element.className = 'viewport';
    this.element.tabIndex = 0;
    // Not role=log: that is a live region, and a screen reader would read out every streamed line.
    this.element.setAttribute('role', 'region');
    this.element.setAttribute('aria-label', 'Log lines');
    this.layer = document.createElement('div');
    this.layer.className = 'rows';
    this.spacer = document.createElement('div');
    this.spacer.className = 'spacer';
    // The layer comes first: when pinned it is sticky, in the flow above the spacer.
    this.element.append(this.layer, this.spacer);
    this.applyLayout();
    this.element.addEventListener(
      'scroll',
      () => {
        this.onScroll();
      },
      { passive: true },
    );
    new ResizeObserver(() => {
      this.remeasure();
    }).observe(this.element);
    // VS Code sets the theme's variables (editor font size among them) on <html>'s style.
    new MutationObserver(() => {
      this.remeasure();
    }).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }

  get follow(): boolean {
    return this.following;
  }

  /** Turns following on (and jumps to the newest line) or off. */
  setFollow(follow: boolean): void {
    this.following = follow;
    if (follow) this.scrollToEnd();
    this.schedule();
  }

  setWrap(wrap: boolean): void {
    if (wrap === this.wrap) return;
    // Keep the first visible line in view across the switch.
    const first = this.firstVisibleIndex();
    this.wrap = wrap;
    this.widestRow = 0;
    this.layer.style.removeProperty('min-width');
    this.applyLayout();
    this.generation++;
    if (this.following) this.scrollToEnd();
    else this.scrollToIndex(first);
    this.schedule();
  }

  /** Redraw every row (display settings or the filter changed). */
  invalidate(): void {
    this.generation++;
    this.schedule();
  }

  /**
   * The list now has `count` entries; `removedFromFront` of the previous ones left from the top
   * (evicted). When not following, the scroll position moves up by as many lines so the lines on
   * screen stay put.
   */
  update(count: number, removedFromFront: number): void {
    const unitBefore = this.unit();
    this.count = count;
    this.applyLayout();
    if (this.following) {
      this.scrollToEnd();
    } else if (removedFromFront > 0 || this.unit() !== unitBefore) {
      const first = this.element.scrollTop / unitBefore - removedFromFront;
      this.setScrollTop(Math.max(0, first * this.unit()));
    }
    this.schedule();
  }

  /** Replaces all entries (refiltered); `keepIndex` is the index to show at the top when not following. */
  reset(count: number, keepIndex: number): void {
    this.count = count;
    this.generation++;
    if (count === 0) {
      this.widestRow = 0;
      this.layer.style.removeProperty('min-width');
    }
    this.applyLayout();
    if (this.following) this.scrollToEnd();
    else this.scrollToIndex(keepIndex);
    this.schedule();
  }

  /** Index of the entry at the top of the viewport. */
  firstVisibleIndex(): number {
    return Math.min(Math.max(0, this.count - 1), Math.floor(this.element.scrollTop / this.unit() + 0.001));
  }

  scrollToIndex(index: number): void {
    this.setScrollTop(Math.max(0, index) * this.unit());
  }

  /** U: scroll pixels per line. */
  private unit(): number {
    return this.count * this.rowHeight > MAX_SCROLL_PX ? MAX_SCROLL_PX / this.count : this.rowHeight;
  }

  private pinned(): boolean {
    return this.wrap || this.unit() < this.rowHeight;
  }

  /** Classes for the stylesheet and the spacer's height, for the current count and mode. */
  private applyLayout(): void {
    const pinned = this.pinned();
    const classes = this.element.classList;
    classes.toggle('wrap', this.wrap);
    classes.toggle('nowrap', !this.wrap);
    classes.toggle('pinned', pinned);
    classes.toggle('free', !pinned);
    // The scrollable height is count x U. When pinned, the sticky layer (one viewport tall) is
    // part of it, so the spacer makes up the rest.
    const total = this.count * this.unit();
    const height = pinned ? Math.max(0, total - this.element.clientHeight) : total;
    this.spacer.style.setProperty('height', `${height}px`);
  }

  private scrollToEnd(): void {
    this.setScrollTop(Math.max(0, this.element.scrollHeight - this.element.clientHeight));
  }

  private setScrollTop(top: number): void {
    if (Math.abs(this.element.scrollTop - top) < 1) return;
    this.expectedScrollTop = top;
    this.element.scrollTop = top;
  }

  private atEnd(): boolean {
    const el = this.element;
    return el.scrollTop + el.clientHeight >= el.scrollHeight - Math.max(1, this.unit() / 2);
  }

  private onScroll(): void {
    const expected = this.expectedScrollTop;
    this.expectedScrollTop = undefined;
    // Our own scroll (following, or keeping lines in place on eviction) says nothing about intent.
    const ours = expected !== undefined && Math.abs(this.element.scrollTop - expected) < 1;
    if (!ours) {
      const follow = this.atEnd();
      if (follow !== this.following) {
        this.following = follow;
        this.options.onFollowChange(follow);
      }
    }
    this.schedule();
  }

  /** The viewport or the font changed: measure H again and keep the view where it was. */
  private remeasure(): void {
    const first = this.firstVisibleIndex();
    const probe = document.createElement('div');
    probe.className = 'row probe';
    probe.textContent = 'Mg';
    this.layer.appendChild(probe);
    const height = probe.getBoundingClientRect().height;
    probe.remove();
    if (height > 0 && Math.abs(height - this.rowHeight) > 0.01) {
      this.rowHeight = height;
      this.element.style.setProperty('--row-height', `${height}px`);
      this.generation++;
    }
    this.applyLayout();
    if (this.following) this.scrollToEnd();
    else this.scrollToIndex(first);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.draw();
    });
  }

  private draw(): void {
    const viewportHeight = this.element.clientHeight;
    const scrollTop = this.element.scrollTop;
    const h = this.rowHeight;
    let first: number;
    let end: number;
    let bottomAligned = false;
    if (!this.pinned()) {
      first = Math.max(0, Math.floor(scrollTop / h) - OVERSCAN);
      end = Math.min(this.count, Math.ceil((scrollTop + viewportHeight) / h) + OVERSCAN);
      this.layer.style.setProperty('transform', `translateY(${first * h}px)`);
      this.layer.style.removeProperty('height');
    } else {
      // Each row is at least one line tall, so this many rows always fill the viewport.
      const fit = Math.ceil(viewportHeight / h) + 1;
      if (this.following || this.atEnd()) {
        end = this.count;
        first = Math.max(0, end - fit);
        bottomAligned = true;
      } else {
        first = Math.min(Math.floor(scrollTop / this.unit() + 0.001), Math.max(0, this.count - 1));
        end = Math.min(this.count, first + fit);
      }
      this.layer.style.removeProperty('transform');
      this.layer.style.setProperty('height', `${viewportHeight}px`);
    }
    this.layer.classList.toggle('bottom', bottomAligned);
    this.placeRows(first, Math.max(first, end));
    if (!this.wrap) this.keepWidth();
  }

  /**
   * Shows entries [first, end) in order. A row that already shows an entry keeps it (and its
   * element) as it moves, so scrolling by one line draws one new row, not all of them.
   */
  private placeRows(first: number, end: number): void {
    const keys: number[] = [];
    for (let index = first; index < end; index++) keys.push(this.options.keyOf(index));
    const wanted = new Set(keys);
    for (const [key, row] of this.visible) {
      if (!wanted.has(key)) {
        row.remove();
        this.pool.push(row);
      }
    }
    const next = new Map<number, HTMLElement>();
    keys.forEach((key, i) => {
      const index = first + i;
      let row = this.visible.get(key);
      if (!row) {
        row = this.pool.pop() ?? document.createElement('div');
        this.drawnAt.delete(row);
      }
      if (this.drawnAt.get(row) !== this.generation) {
        this.options.render(row, index);
        this.drawnAt.set(row, this.generation);
      }
      next.set(key, row);
      // Rows that left were removed first, so rows that stay are already in order.
      const current = this.layer.children[i];
      if (current !== row) this.layer.insertBefore(row, current ?? null);
    });
    this.visible = next;
    // Keep the pool small: it only needs to cover one screenful of churn.
    if (this.pool.length > 200) this.pool.length = 200;
  }

  /** Without wrap, the layer is as wide as the widest row seen, so the horizontal scrollbar does not jump. */
  private keepWidth(): void {
    const width = this.layer.scrollWidth;
    if (width > this.widestRow) {
      this.widestRow = width;
      this.layer.style.setProperty('min-width', `${width}px`);
    }
  }
}
