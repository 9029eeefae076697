/**
 * The line above a run, comparison or the registry: back to the runs and, in the sidebar, Open in a tab.
 */
import React from 'react';

import type { IViewHost, ViewRequest } from '../models/mainView';
import { useTrans } from '../translation';

export function ViewBar({
  host,
  request,
  noBack = false
}: {
  host: IViewHost;
  /** What Open in a tab opens (null: nothing shown yet). */
  request: ViewRequest | null;
  /** No way back (the registry is a sidebar tab of its own). */
  noBack?: boolean;
}): JSX.Element | null {
  const trans = useTrans();
  const back = noBack ? null : host.back;
  const openInTab = host.openInTab;
  if (!back && !(openInTab && request)) {
    return null;
  }
  return (
    <div className="jp-mlops-view-bar">
      {back && (
        <button className="jp-mlops-link" onClick={back}>
          {trans.__('← Runs')}
        </button>
      )}
      {openInTab && request && (
        <button
          className="jp-mlops-link jp-mlops-open-tab"
          title={trans.__(
            'Open this view in a main-area tab, beside the notebook'
          )}
          onClick={() => openInTab(request)}
        >
          {trans.__('Open in a tab ↗')}
        </button>
      )}
    </div>
  );
}
