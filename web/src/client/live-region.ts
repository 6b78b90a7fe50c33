/**
 * Live updates of a server-rendered region: an EventSource on the element's
 * `data-events` (the page's /events, which resumes with Last-Event-ID on its
 * own), and on each event the region's HTML fetched again from `data-live`.
 * Children with an id are replaced only when they changed, so a comment
 * being typed in one section survives an update of another. A fold the
 * reader opened (`<details data-fold>`) stays open in the new markup.
 */

export function startLiveRegion(region: HTMLElement): void {
  const events = region.dataset.events;
  const live = region.dataset.live;
  if (!events || !live) return;
  let fetching = false;
  let again = false;

  const refresh = async (): Promise<void> => {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const answer = await fetch(live, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (answer.status === 401) {
        window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
        return;
      }
      if (answer.ok) patch(region, await answer.text());
    } finally {
      fetching = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };

  const source = new EventSource(events);
  source.addEventListener('run', () => void refresh());
  source.addEventListener('runs', () => void refresh());
}

function patch(region: HTMLElement, markup: string): void {
  const template = document.createElement('template');
  // The markup is the server's own rendering, escaped there (the same as the page's first load).
  template.innerHTML = markup;
  keepOpenFolds(region, template.content);
  const incoming = Array.from(template.content.children);
  const keyed = incoming.length > 0 && incoming.every((child) => child.id !== '');
  if (!keyed) {
    region.replaceChildren(template.content);
    region.dataset.updated = String(Date.now());
    return;
  }
  for (const child of incoming) {
    const current = region.querySelector(`#${CSS.escape(child.id)}`);
    if (current && current.outerHTML === child.outerHTML) continue;
    if (current) current.replaceWith(child);
    else region.append(child);
  }
  region.dataset.updated = String(Date.now());
}

/** Opens in `incoming` each fold whose `data-fold` key is open in `region` now. */
function keepOpenFolds(region: HTMLElement, incoming: DocumentFragment): void {
  const open = new Set<string>();
  for (const fold of region.querySelectorAll<HTMLDetailsElement>('details[open][data-fold]')) {
    open.add(fold.dataset.fold ?? '');
  }
  if (open.size === 0) return;
  for (const fold of incoming.querySelectorAll<HTMLDetailsElement>('details[data-fold]')) {
    if (open.has(fold.dataset.fold ?? '')) fold.open = true;
  }
}
