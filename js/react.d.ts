// `<modelarts-sync-status>` in React 19's JSX: the options as props (React
// sets them as the element's properties), and the events as `on<name>`
// props. The option types are the package's (modelarts-sync-status.d.ts,
// made from the options table). In a TypeScript React app:
//   import type {} from 'modelarts-sync-status/react';

import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type {
  ModelartsSyncStatusElement,
  StatusChangeDetail,
  SyncStatusOptions,
  SyncRequestedDetail,
} from './modelarts-sync-status';

/** The element's props in JSX. */
export type ModelartsSyncStatusProps = Omit<
  DetailedHTMLProps<HTMLAttributes<ModelartsSyncStatusElement>, ModelartsSyncStatusElement>,
  keyof SyncStatusOptions
> &
  SyncStatusOptions & {
    onstatuschange?: (event: CustomEvent<StatusChangeDetail>) => void;
    onsyncrequested?: (event: CustomEvent<SyncRequestedDetail>) => void;
  };

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'modelarts-sync-status': ModelartsSyncStatusProps;
    }
  }
}
