// DOM helpers of the rollout view. Text reaches the page only through textContent: pod
// names, images and server messages are untrusted, so nothing here parses markup.

/** A new element with a class and, optionally, its text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A plain button with its label. */
export function button(label: string, className: string, title?: string): HTMLButtonElement {
  const node = el('button', className, label);
  node.type = 'button';
  if (title !== undefined) node.title = title;
  return node;
}

/** A table with a header row; rows are added to its body. */
export function table(className: string, headings: readonly string[]): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const node = el('table', className);
  const head = node.createTHead().insertRow();
  for (const heading of headings) {
    const th = el('th', undefined, heading);
    th.scope = 'col';
    head.appendChild(th);
  }
  const body = node.createTBody();
  return { table: node, body };
}

/** Appends a row of text cells; returns it so that the caller can style it. */
export function row(body: HTMLTableSectionElement, cells: readonly (string | HTMLElement)[]): HTMLTableRowElement {
  const tr = body.insertRow();
  for (const cell of cells) {
    const td = tr.insertCell();
    if (typeof cell === 'string') td.textContent = cell;
    else td.appendChild(cell);
  }
  return tr;
}
