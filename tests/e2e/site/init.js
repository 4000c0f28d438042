// Run first by every HTML page of the end-to-end test site (xtask's
// `e2e_site` names it in each page's <head>, after any CSP <meta>, to which
// it is subject like any same-origin script). It does from inside the page,
// in every engine alike, what a test used to ask of Playwright: it records
// errors, console.error and CSP violations from the page's start, keeps
// every Resource Timing entry (the tests read the page's requests there),
// and runs the init function a test left for this page (helpers.mjs).
(() => {
  const e2e = (window.__e2e = { problems: [], violations: [] });
  addEventListener('error', (e) => e2e.problems.push(`pageerror: ${e.message}`));
  addEventListener('unhandledrejection', (e) => e2e.problems.push(`unhandled rejection: ${e.reason}`));
  const error = console.error;
  console.error = function (...args) {
    e2e.problems.push(`console: ${args.map(String).join(' ')}`);
    return error.apply(this, args);
  };
  document.addEventListener('securitypolicyviolation', (e) =>
    e2e.violations.push(e.violatedDirective));
  performance.setResourceTimingBufferSize(100_000);
  const init = sessionStorage.getItem('mss-e2e-init');
  if (init) {
    sessionStorage.removeItem('mss-e2e-init');
    (0, eval)(`(${init})()`);
  }
})();
