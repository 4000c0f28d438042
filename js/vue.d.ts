// `<modelarts-sync-status>` in Vue 3 templates (with
// `compilerOptions.isCustomElement` for the tag): the options as props and
// the events, typed for vue-tsc and Volar. The option types are the
// package's (modelarts-sync-status.d.ts, made from the options table). In
// a TypeScript Vue app:
//   import type {} from 'modelarts-sync-status/vue';

import type { DefineComponent } from 'vue';
import type {
  StatusChangeDetail,
  SyncStatusOptions,
  SyncRequestedDetail,
} from './modelarts-sync-status';

/** The element as Vue's type checker sees it. */
export type ModelartsSyncStatusComponent = DefineComponent<
  SyncStatusOptions & {
    onStatuschange?: (event: CustomEvent<StatusChangeDetail>) => void;
    onSyncrequested?: (event: CustomEvent<SyncRequestedDetail>) => void;
  }
>;

declare module 'vue' {
  interface GlobalComponents {
    'modelarts-sync-status': ModelartsSyncStatusComponent;
  }
}
