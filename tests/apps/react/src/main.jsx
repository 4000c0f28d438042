// A table of cards whose dataset IDs come from state, switched by a button;
// each card's statuschange is handled (React 19 sets the options as the
// element's properties and listens to `onstatuschange` as a DOM event).
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import 'modelarts-sync-status/element';

const FIRST = ['status-running', 'status-failed'];
const SECOND = ['status-completed', 'status-queuing'];

function App() {
  const [datasets, setDatasets] = useState(FIRST);
  const [seen, setSeen] = useState({});
  const onStatus = (event) =>
    setSeen((s) => ({ ...s, [event.detail.datasetId]: event.detail.status }));
  return (
    <>
      <button id="switch" onClick={() => setDatasets(datasets === FIRST ? SECOND : FIRST)}>
        Switch datasets
      </button>
      <table>
        <tbody>
          {datasets.map((id, row) => (
            <tr key={row}>
              <td>
                <modelarts-sync-status
                  id={`card-${row}`}
                  projectId="p"
                  datasetId={id}
                  interval={60}
                  variant="compact"
                  onstatuschange={onStatus}
                />
              </td>
              <td className="seen" data-dataset={id}>{seen[id] ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

createRoot(document.getElementById('root')).render(<App />);
