// Tiny DOM helpers. Every piece of text reaches the page through textContent or a text node:
// the panel shows untrusted log lines, so nothing here ever parses a string as markup.

/** A new element with a class and, optionally, its text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A toggle button whose state is its aria-pressed attribute (styled by the stylesheet). */
export function toggleButton(label: string, title: string, pressed: boolean): HTMLButtonElement {
  const button = el('button', 'toggle', label);
  button.type = 'button';
  button.title = title;
  setPressed(button, pressed);
  return button;
}

export function setPressed(button: HTMLButtonElement, pressed: boolean): void {
  button.setAttribute('aria-pressed', pressed ? 'true' : 'false');
}

export function isPressed(button: HTMLButtonElement): boolean {
  return button.getAttribute('aria-pressed') === 'true';
}

/** 12345 -> "12,345" without depending on the webview's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
