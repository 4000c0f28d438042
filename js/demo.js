// The demo page: copies the URL query onto the card's attributes
// (?project_id=p1&interval=2 → project-id="p1" interval="2"), so any backend
// can be tried without a rebuild.
const card = document.getElementById('demo');
for (const [key, value] of new URLSearchParams(location.search)) {
  try {
    card.setAttribute(key.trim().toLowerCase().replaceAll('_', '-'), value);
  } catch {
    // Not a valid attribute name: not an option either.
  }
}
