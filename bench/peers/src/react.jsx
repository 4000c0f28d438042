// The card as a portal team would write it in React 18 with TanStack Query 5:
// one query per card.
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { addStyles, count, fetchStatus, nextRefresh, page, time } from './common.js';

function Card({ projectId, datasetId }) {
  const { data, error, isPending, isFetching, refetch } = useQuery({
    queryKey: ['sync-status', projectId, datasetId],
    queryFn: ({ signal }) => fetchStatus(projectId, datasetId, signal),
    refetchInterval: (query) => nextRefresh(query.state.data?.status),
  });
  return (
    <section className="card" data-status={data?.status}>
      <header>
        <h2>Dataset sync</h2>
        <button type="button" onClick={() => refetch()} disabled={isFetching}>
          {isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      {isPending && !error && <p>Loading…</p>}
      {data && (
        <>
          <span className="badge" data-status={data.status}>{data.status}</span>
          <dl className="counts">
            <dt>Total samples</dt><dd>{count(data.total_sample_count)}</dd>
            <dt>Added</dt><dd>{count(data.add_sample_count)}</dd>
            <dt>Deleted</dt><dd>{count(data.deleted_sample_count)}</dd>
          </dl>
          <dl className="details">
            <dt>Task</dt><dd><code>{data.task_id ?? '—'}</code></dd>
            <dt>Dataset</dt><dd><code>{data.dataset_id ?? datasetId}</code></dd>
            <dt>Created</dt><dd>{time(data.create_time)}</dd>
          </dl>
          {data.error_msg && <p className="error">{data.error_code}: {data.error_msg}</p>}
        </>
      )}
      {error && <p className="error" role="alert">{error.message}</p>}
    </section>
  );
}

addStyles();
const client = new QueryClient();
createRoot(document.getElementById('cards')).render(
  <QueryClientProvider client={client}>
    {page.datasets.map((id) => <Card key={id} projectId={page.projectId} datasetId={id} />)}
  </QueryClientProvider>,
);
