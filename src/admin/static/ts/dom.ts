/** Tiny DOM helpers: no framework, text is always set as text (never HTML from the API). */

export function $(selector: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
}

type Child = Node | string | number | null | undefined;

export function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) element.append(child instanceof Node ? child : String(child));
  return element;
}

export function badge(text: string): HTMLElement {
  return el('span', { class: `badge ${text}` }, text);
}

export function num(value: number | undefined | null): HTMLElement {
  return el('td', { class: 'num' }, value ?? '–');
}

export function td(...children: Child[]): HTMLElement {
  return el('td', {}, ...children);
}

export function fillTable(selector: string, rows: HTMLElement[], emptyText: string, columns: number): void {
  const body = $(`${selector} tbody`);
  body.replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: String(columns) }, emptyText))]));
}

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '–';
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
