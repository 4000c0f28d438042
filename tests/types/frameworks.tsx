// How a TypeScript React 19 or Vue 3 app sees the element, through the
// package's js/react.d.ts and js/vue.d.ts (`cargo xtask test` runs
// `tsc --strict` on this file). Each `@ts-expect-error` line must be an
// error: if the typings were loose, tsc would fail on the unused directive.
// (tsconfig.json's `paths` stand in for an app's node_modules: in the
// package, the typings find react and vue where the app has them.)

import type {} from '../../js/react';
import type {} from '../../js/vue';
import type { GlobalComponents } from 'vue';

export function Cards({ ids }: { ids: string[] }) {
  return (
    <table>
      <tbody>
        {ids.map((id) => (
          <tr key={id}>
            <td>
              <modelarts-sync-status
                projectId="p1"
                datasetId={id}
                interval={60}
                variant="compact"
                className="card"
                onstatuschange={(event) => {
                  const status: string = event.detail.status;
                  const previous: string | null = event.detail.previous;
                  console.log(status, previous);
                }}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// @ts-expect-error: a theme is one of its words.
export const badTheme = <modelarts-sync-status theme="neon" />;
// @ts-expect-error: an interval is seconds, not a boolean.
export const badInterval = <modelarts-sync-status interval={true} />;

type VueProps = InstanceType<GlobalComponents['modelarts-sync-status']>['$props'];
export const vueProps: VueProps = {
  projectId: 'p1',
  datasetId: 'd1',
  onStatuschange: (event) => console.log(event.detail.datasetId),
};
// @ts-expect-error: a variant is one of its words.
export const badVariant: VueProps = { variant: 'huge' };
