// The few browser APIs the page uses, typed here rather than through TypeScript's `dom` lib: the
// repository type-checks as one Node program, and `dom` there would retype Node's fetch, timers
// and streams for every file.

/** One element of the page, as much of it as app.ts touches. */
export interface PageElement {
  className: string;
  textContent: string | null;
  hidden: boolean;
  type: string;
  value: string;
  disabled: boolean;
  scrollTop: number;
  readonly scrollHeight: number;
  readonly dataset: Record<string, string | undefined>;
  readonly children: ArrayLike<PageElement>;
  readonly firstElementChild: PageElement | null;
  readonly classList: { add(name: string): void; remove(name: string): void };
  append(...nodes: PageElement[]): void;
  insertBefore(node: PageElement, before: PageElement): void;
  replaceChildren(): void;
  remove(): void;
  focus(): void;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): PageElement | null;
  addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void;
}

interface PageGlobals {
  document: {
    getElementById(id: string): PageElement | null;
    createElement(tag: string): PageElement;
  };
  location: { readonly href: string; readonly search: string };
  history: { replaceState(state: null, title: string, url: URL): void };
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/** The browser's globals, typed as above. */
export const page = globalThis as unknown as PageGlobals;
