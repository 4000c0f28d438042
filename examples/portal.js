// A portal reacting to the cards: every status change is listed.
const list = document.getElementById('events');
document.addEventListener('statuschange', (event) => {
  const { datasetId, previous, status } = event.detail;
  const item = document.createElement('li');
  item.textContent = `${datasetId}: ${previous ?? '(first status)'} → ${status}`;
  list.append(item);
});
