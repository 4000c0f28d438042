// The <modelarts-sync-status> custom element. A class extending HTMLElement
// cannot be written in Rust, so this file holds the element's life cycle and
// hands every decision to the wasm `mount` it is given; the attributes it
// observes come from the wasm too (core::config::OPTIONS).
//
// Attributes are read as a whole on each change (batched per microtask); a
// change remounts the card, so a new dataset-id shows the new task at once.

export function defineElement(name, mount, attributes) {
  if (customElements.get(name)) return;

  class ModelartsSyncStatus extends HTMLElement {
    static get observedAttributes() {
      return attributes;
    }

    #handle = null;
    #queued = false;

    constructor() {
      super();
      if (!this.shadowRoot) this.attachShadow({ mode: 'open' });
    }

    connectedCallback() {
      this.#schedule();
    }

    disconnectedCallback() {
      this.#unmount();
    }

    attributeChangedCallback(_name, before, after) {
      if (before !== after && this.isConnected) this.#schedule();
    }

    /** Fetches the status at once. */
    refresh() {
      this.#handle?.refresh();
    }

    #schedule() {
      if (this.#queued) return;
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        if (!this.isConnected) return this.#unmount();
        const options = {};
        for (const attr of this.attributes) options[attr.name] = attr.value;
        // The new card first: the host is never empty, and the new card
        // knows it replaces one (it shows its loading state at once).
        const old = this.#handle;
        this.#handle = mount(this, options);
        if (old) {
          old.unmount();
          old.free();
        }
      });
    }

    #unmount() {
      const handle = this.#handle;
      this.#handle = null;
      if (handle) {
        handle.unmount();
        handle.free();
      }
    }
  }

  customElements.define(name, ModelartsSyncStatus);
}
