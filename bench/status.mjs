// When a page shows its statuses, the same way for the widget and its peers.

/**
 * Run in the page before its scripts: `window.__status.first` and `.all`
 * become the performance.now() at which the first card, and all `n` cards
 * (the page's `?n=`, default 1), show a status: an element with a
 * `data-status`, in the document or any shadow root. A MutationObserver
 * reads only what changed, so 100 cards cost it little.
 */
export const RECORD_STATUS = () => {
  const want = Math.max(1, Number(new URLSearchParams(location.search).get('n') ?? 1) || 1);
  const status = (window.__status = { first: null, all: null, want });
  const shown = new Set();
  const note = (el) => {
    if (shown.has(el)) return;
    shown.add(el);
    const now = performance.now();
    if (status.first === null) status.first = now;
    if (status.all === null && shown.size >= want) status.all = now;
  };
  const seen = (records) => {
    for (const r of records) {
      if (r.type === 'attributes') {
        if (r.target.hasAttribute('data-status')) note(r.target);
        continue;
      }
      for (const node of r.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.hasAttribute('data-status')) note(node);
        for (const el of node.querySelectorAll('[data-status]')) note(el);
      }
    }
  };
  const watch = (root) => new MutationObserver(seen).observe(root, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'],
  });
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    watch(root);
    return root;
  };
  watch(document);
};
