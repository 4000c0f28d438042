// A portal reacting to the cards: every status change and sync is listed.
const list = document.getElementById('events');
document.addEventListener('statuschange', (event) => {
  const { datasetId, previous, status } = event.detail;
  const item = document.createElement('li');
  item.textContent = `${datasetId}: ${previous ?? '(first status)'} → ${status}`;
  list.append(item);
});
document.addEventListener('syncrequested', (event) => {
  const { datasetId, ok, error } = event.detail;
  const item = document.createElement('li');
  item.textContent = `${datasetId}: ${ok ? 'sync started' : `sync not started: ${error}`}`;
  list.append(item);
});
