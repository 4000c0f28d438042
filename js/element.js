// The <modelarts-sync-status> custom element. A class extending HTMLElement
// cannot be written in Rust, so this file holds the element's life cycle and
// hands every decision to the wasm `mount` it is given; the attributes it
// observes and the properties it has come from the wasm too
// (core::config::OPTIONS).
//
// Attributes are read as a whole on each change (batched per microtask); a
// change remounts the card, so a new dataset-id shows the new task at once.
// Every option is also a property (`el.datasetId = 'd2'`) that reads and
// writes its attribute, as built-in elements' properties do; so frameworks
// that set properties (React 19, Vue) and those that set attributes give
// the same card.

export function defineElement(name, mount, attributes, properties) {
  if (customElements.get(name)) return;
  // "datasetId dataset-id": a property, then the attributes it stands for
  // (the option's, then its aliases').
  const reflected = properties.map((entry) => entry.split(' '));
  const keys = reflected.map(([key]) => key);

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
      // A property set before this class was defined (a framework rendered
      // before the loader ran) is an own property hiding the accessor: it is
      // set again, through the accessor.
      for (const key of keys) {
        if (Object.prototype.hasOwnProperty.call(this, key)) {
          const value = this[key];
          delete this[key];
          this[key] = value;
        }
      }
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

  for (const [key, attribute, ...aliases] of reflected) {
    Object.defineProperty(ModelartsSyncStatus.prototype, key, {
      configurable: true,
      enumerable: true,
      get() {
        for (const name of [attribute, ...aliases]) {
          const value = this.getAttribute(name);
          if (value !== null) return value;
        }
        return null;
      },
      set(value) {
        for (const name of aliases) this.removeAttribute(name);
        if (value === null || value === undefined) this.removeAttribute(attribute);
        else this.setAttribute(attribute, String(value));
      },
    });
  }

  customElements.define(name, ModelartsSyncStatus);
}
