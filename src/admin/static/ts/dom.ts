/** Tiny DOM helpers: no framework, text is always set as text (never HTML from the API). */

export function $(selector: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
}

export function input(selector: string): HTMLInputElement | HTMLSelectElement {
  return $(selector) as HTMLInputElement | HTMLSelectElement;
}

type Child = Node | string | number | null | undefined;

export function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) element.append(child instanceof Node ? child : String(child));
  return element;
}

/** A status badge: `text` shown, `kind` (CSS class) chosen by the caller. */
export function badge(text: string, kind = text): HTMLElement {
  return el('span', { class: `badge ${kind}` }, text);
}

export function num(value: number | undefined | null): HTMLElement {
  return el('td', { class: 'num' }, value ?? '–');
}

export function td(...children: Child[]): HTMLElement {
  return el('td', {}, ...children);
}

export function button(label: string, attributes: Record<string, string>, onClick: () => void): HTMLButtonElement {
  const element = el('button', { type: 'button', ...attributes }, label) as HTMLButtonElement;
  element.addEventListener('click', onClick);
  return element;
}

/** A <select> of `options` ([value, label]) with `selected` chosen. */
export function select(attributes: Record<string, string>, options: [string, string][], selected: string): HTMLSelectElement {
  const element = el('select', attributes, ...options.map(([value, label]) => el('option', { value }, label))) as HTMLSelectElement;
  element.value = selected;
  return element;
}

export function fillTable(selector: string, rows: HTMLElement[], emptyText: string, columns: number): void {
  const body = $(`${selector} tbody`);
  body.replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: String(columns) }, emptyText))]));
}

/**
 * The page shown of a paged, filtered table: "page x of y" with previous / next under it, and the
 * first page again whenever one of its filters changes.
 */
export class Pager {
  page = 1;

  constructor(
    private readonly selector: string,
    private readonly noun: string,
    private readonly load: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts again at the first page when a control of the filter form changes. */
  restartOnChange(filters: string): void {
    $(filters).addEventListener('change', () => this.go(1));
  }

  go(page: number): void {
    this.page = page;
    this.load().catch(this.onError);
  }

  /** Shows where a loaded page is; a page past the end (rows gone meanwhile) loads the last one. */
  show(result: { page: number; totalPages: number; totalRecords: number }): boolean {
    const last = Math.max(1, result.totalPages);
    if (result.page > last) {
      this.go(last);
      return false;
    }
    const previous = button('‹ Previous', { class: 'small prev' }, () => this.go(result.page - 1));
    const next = button('Next ›', { class: 'small next' }, () => this.go(result.page + 1));
    previous.disabled = result.page <= 1;
    next.disabled = result.page >= last;
    $(this.selector).replaceChildren(el('span', { class: 'page-info' }, `Page ${result.page} of ${last} (${result.totalRecords} ${this.noun})`), previous, next);
    return true;
  }
}

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** A short-lived message above the tabs (what an action just did). */
export function notify(text: string): void {
  $('#notice').textContent = text;
}

/** Asks in the page's own dialog (not window.confirm), resolving true when the operator confirms. */
export function confirmAction(title: string, text: string, ok: string): Promise<boolean> {
  const dialog = $('#confirm-dialog') as HTMLDialogElement;
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = ok;
  return new Promise((resolve) => {
    const finish = (answer: boolean) => {
      ($('#confirm-ok') as HTMLButtonElement).onclick = null;
      ($('#confirm-cancel') as HTMLButtonElement).onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    ($('#confirm-ok') as HTMLButtonElement).onclick = () => finish(true);
    ($('#confirm-cancel') as HTMLButtonElement).onclick = () => finish(false);
    dialog.onclose = () => finish(false);
    dialog.showModal();
  });
}
