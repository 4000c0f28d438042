// The median the bench and its trace report: of the numbers in `xs`, leaving
// out missing ones (`undefined`: a milestone a page load did not reach);
// `undefined` when none is left.
export function median(xs) {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
