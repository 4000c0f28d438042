// The card as a portal team would write it in plain JS: a template, a fetch
// per card, text set with textContent, a timer.
import { addStyles, count, fetchStatus, nextRefresh, page, time } from './common.js';

const template = document.createElement('template');
template.innerHTML = `<section class="card">
  <header><h2>Dataset sync</h2><button type="button">Refresh</button></header>
  <p class="loading">Loading…</p>
  <div class="data" hidden>
    <span class="badge"></span>
    <dl class="counts">
      <dt>Total samples</dt><dd data-field="total_sample_count"></dd>
      <dt>Added</dt><dd data-field="add_sample_count"></dd>
      <dt>Deleted</dt><dd data-field="deleted_sample_count"></dd>
    </dl>
    <dl class="details">
      <dt>Task</dt><dd><code data-field="task_id"></code></dd>
      <dt>Dataset</dt><dd><code data-field="dataset_id"></code></dd>
      <dt>Created</dt><dd data-field="create_time"></dd>
    </dl>
    <p class="error failure" hidden></p>
  </div>
  <p class="error request" role="alert" hidden></p>
</section>`;

function card(parent, projectId, datasetId) {
  const root = template.content.firstElementChild.cloneNode(true);
  const $ = (selector) => root.querySelector(selector);
  const button = $('button');
  let timer = 0;
  let busy = false;

  async function load() {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    button.disabled = true;
    button.textContent = 'Refreshing…';
    let status;
    try {
      const data = await fetchStatus(projectId, datasetId);
      status = data.status;
      $('.badge').textContent = data.status;
      $('.badge').dataset.status = data.status;
      $('[data-field="total_sample_count"]').textContent = count(data.total_sample_count);
      $('[data-field="add_sample_count"]').textContent = count(data.add_sample_count);
      $('[data-field="deleted_sample_count"]').textContent = count(data.deleted_sample_count);
      $('[data-field="task_id"]').textContent = data.task_id ?? '—';
      $('[data-field="dataset_id"]').textContent = data.dataset_id ?? datasetId;
      $('[data-field="create_time"]').textContent = time(data.create_time);
      const failure = $('.failure');
      failure.hidden = !data.error_msg;
      failure.textContent = data.error_msg ? `${data.error_code}: ${data.error_msg}` : '';
      $('.request').hidden = true;
      $('.loading').hidden = true;
      $('.data').hidden = false;
      root.dataset.status = data.status;
    } catch (e) {
      $('.request').textContent = e.message;
      $('.request').hidden = false;
    } finally {
      busy = false;
      button.disabled = false;
      button.textContent = 'Refresh';
      timer = setTimeout(load, nextRefresh(status));
    }
  }

  button.addEventListener('click', load);
  parent.append(root);
  load();
}

addStyles();
const cards = document.getElementById('cards');
for (const id of page.datasets) card(cards, page.projectId, id);
