// The panel's controls, built from script (the host page has no markup of its own). This file
// only builds elements; the panel (app.ts) gives them behaviour.
import { el, toggleButton } from './dom';

/** The "since" choices: label and seconds (undefined: all). */
export const SINCE_CHOICES: readonly { label: string; seconds: number | undefined }[] = [
  { label: 'all', seconds: undefined },
  { label: '5m', seconds: 5 * 60 },
  { label: '15m', seconds: 15 * 60 },
  { label: '1h', seconds: 3600 },
  { label: '6h', seconds: 6 * 3600 },
  { label: '24h', seconds: 24 * 3600 },
];

export interface Toolbar {
  element: HTMLElement;
  follow: HTMLButtonElement;
  pause: HTMLButtonElement;
  tail: HTMLInputElement;
  tailError: HTMLElement;
  since: HTMLSelectElement;
  previous: HTMLInputElement;
  container: HTMLSelectElement;
  timestamps: HTMLButtonElement;
  wrap: HTMLButtonElement;
  tags: HTMLButtonElement;
  filter: HTMLInputElement;
  regex: HTMLButtonElement;
  caseSensitive: HTMLButtonElement;
  filterError: HTMLElement;
  json: HTMLInputElement;
  jsonError: HTMLElement;
  clear: HTMLButtonElement;
  save: HTMLButtonElement;
  copy: HTMLButtonElement;
}

function button(label: string, title: string, className = 'action'): HTMLButtonElement {
  const b = el('button', className, label);
  b.type = 'button';
  b.title = title;
  return b;
}

function labelled(text: string, control: HTMLElement, className = 'field'): HTMLLabelElement {
  const label = el('label', className);
  label.append(el('span', 'field-label', text), control);
  return label;
}

function group(...children: HTMLElement[]): HTMLElement {
  const g = el('div', 'group');
  g.append(...children);
  return g;
}

export function buildToolbar(): Toolbar {
  const follow = toggleButton('Follow', 'Keep the newest line in view (scrolling up turns this off, scrolling to the end turns it on)', true);
  const pause = button('Pause', 'Stop adding lines; they wait in the extension until you resume');

  const tail = el('input', 'tail');
  tail.type = 'text';
  tail.inputMode = 'numeric';
  tail.placeholder = 'all';
  tail.title = 'Start with this many lines from the end of each log (empty: all). Press Enter to apply.';
  tail.size = 7;
  const tailError = el('span', 'inline-error');
  tailError.setAttribute('role', 'alert');

  const since = el('select', 'since');
  since.title = 'Only lines newer than this';
  for (const choice of SINCE_CHOICES) {
    const option = el('option', undefined, choice.label);
    option.value = choice.seconds === undefined ? '' : String(choice.seconds);
    since.appendChild(option);
  }

  const previous = el('input', 'previous');
  previous.type = 'checkbox';
  previous.title = "The previous container's logs (before its last restart)";

  const container = el('select', 'container');
  container.title = 'Container';

  const timestamps = toggleButton('Time', 'Show timestamps', false);
  const wrap = toggleButton('Wrap', 'Wrap long lines', false);
  const tags = toggleButton('Source', 'Show which pod and container each line came from', false);

  const filter = el('input', 'filter');
  filter.type = 'search';
  filter.placeholder = 'Filter';
  filter.title = 'Show only lines containing this text (or matching this regular expression)';
  filter.spellcheck = false;
  const regex = toggleButton('.*', 'Regular expression', false);
  const caseSensitive = toggleButton('Aa', 'Match case', false);
  const filterError = el('span', 'inline-error');
  filterError.setAttribute('role', 'alert');

  const json = el('input', 'json');
  json.type = 'search';
  json.placeholder = 'level=error status>=500';
  json.title = 'Filter JSON lines by field: key=value, key!=value, key~regex, key>n, key>=n, key<n, key<=n; dotted keys for nested fields; space means and';
  json.spellcheck = false;
  const jsonError = el('span', 'inline-error');
  jsonError.setAttribute('role', 'alert');

  const clear = button('Clear', 'Clear the panel');
  const save = button('Save', 'Save the log to a file');
  const copy = button('Copy', 'Copy the lines shown (after filtering) to the clipboard');

  const element = el('div', 'toolbar');
  element.setAttribute('role', 'toolbar');
  element.append(
    group(follow, pause),
    group(labelled('Tail', tail), tailError, labelled('Since', since), labelled('Previous', previous, 'field checkbox'), labelled('Container', container)),
    group(timestamps, wrap, tags),
    group(filter, regex, caseSensitive, filterError),
    group(labelled('JSON', json), jsonError),
    group(clear, save, copy),
  );
  return {
    element,
    follow,
    pause,
    tail,
    tailError,
    since,
    previous,
    container,
    timestamps,
    wrap,
    tags,
    filter,
    regex,
    caseSensitive,
    filterError,
    json,
    jsonError,
    clear,
    save,
    copy,
  };
}
