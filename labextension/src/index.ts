/**
 * JupyterLab plugin: the MLOps sidebar that follows the active notebook.
 */
import { ILabShell, ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { MlopsClient } from './api';
import { VEGALITE_MIME } from './charts';
import type { ChartRenderer } from './components/Chart';
import { PanelModel } from './model';
import { MlopsPanel, PANEL_ID } from './widget';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
  '<path d="M3 20h18v2H3zM5 10h3v8H5zm5.5-4h3v12h-3zM16 13h3v5h-3z"/></g></svg>';

const mlopsIcon = new LabIcon({ name: 'jupyter-mlops:panel', svgstr: ICON_SVG });

/** Draw Vega-Lite specs with JupyterLab's own Vega renderer (the vega5 mime extension). */
function chartRendererFrom(rendermime: IRenderMimeRegistry): ChartRenderer {
  return (spec, host) => {
    if (!rendermime.mimeTypes.includes(VEGALITE_MIME)) {
      host.textContent = 'Charts need JupyterLab’s Vega renderer (@jupyterlab/vega5-extension), which is disabled.';
      return () => (host.textContent = '');
    }
    const renderer = rendermime.createRenderer(VEGALITE_MIME);
    Widget.attach(renderer, host);
    // The renderer's own node does not stretch, so "container" width is resolved here from the host.
    const sized = spec.width === 'container' ? { ...spec, width: Math.max(200, host.clientWidth - 90) } : spec;
    renderer
      .renderModel(new MimeModel({ data: { [VEGALITE_MIME]: sized as any }, trusted: true }))
      .catch(error => {
        console.error('jupyter-mlops: chart failed', error);
        host.textContent = 'The chart could not be drawn.';
      });
    return () => renderer.dispose();
  };
}

const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:panel',
  description: 'A side panel listing, comparing, registering and promoting the active notebook’s MLflow runs.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ILabShell, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null
  ) => {
    const model = new PanelModel(new MlopsClient());
    const panel = new MlopsPanel(model, chartRendererFrom(rendermime));
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps: runs, models and registry of the active notebook';
    panel.title.label = 'MLOps';
    app.shell.add(panel, 'left', { rank: 700 });
    restorer?.add(panel, PANEL_ID);

    const follow = (notebook: NotebookPanel | null): void => {
      void model.setNotebook(notebook ? notebook.context.path : null);
    };
    const watched = new WeakSet<NotebookPanel>();
    notebooks.currentChanged.connect((_, notebook) => {
      follow(notebook);
      if (notebook && !watched.has(notebook)) {
        watched.add(notebook);
        notebook.context.pathChanged.connect(() => {
          if (notebooks.currentWidget === notebook) {
            follow(notebook);
          }
        });
      }
    });
    labShell?.currentChanged.connect(() => {
      // Closing the last notebook leaves the tracker without a current widget.
      if (!notebooks.currentWidget) {
        follow(null);
      }
    });
    void model.start().then(() => follow(notebooks.currentWidget));
  }
};

export default [panelPlugin];
