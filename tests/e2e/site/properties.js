// The element's properties, set and read from the page itself. Firefox's
// WebDriver runs a test's scripts in a sandbox that sees DOM objects through
// a wrapper, which hides what page JS defines on them (the element's
// accessors): a property set from there would never reach the element.
window.mssProperties = {
  /** Makes an element with these properties (or attributes) and appends it. */
  make(id, properties, attributes = {}) {
    const element = document.createElement('modelarts-sync-status');
    element.id = id;
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    Object.assign(element, properties);
    document.body.append(element);
  },
  set(id, properties) {
    Object.assign(document.getElementById(id), properties);
  },
  /** Each key's property value, and whether it is the element's own. */
  read(id, keys) {
    const element = document.getElementById(id);
    return keys.map((key) => [element[key], Object.prototype.hasOwnProperty.call(element, key)]);
  },
};
