/**
 * JupyterLab plugin: the MLOps sidebar that follows the active notebook, and the Convert to
 * Production command.
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { MlopsClient } from './api';
import { chartRendererFrom } from './charts';
import {
  addConvertCommand,
  CONVERT_COMMAND,
  revealCell
} from './convertCommand';
import { mlopsIcon } from './icon';
import { addMainAreaViews } from './mainArea';
import { PanelModel } from './models/panel';
import { addScheduleCommand } from './scheduleCommand';
import { labNotifier } from './notifications';
import { requestAPI } from './request';
import { tagsPlugin } from './tagsPlugin';
import { followSettings } from './settings';
import { TRANSLATION_DOMAIN } from './translation';
import { MlopsPanel, PANEL_ID } from './widget';

const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:panel',
  description:
    'A side panel listing, comparing, registering and promoting the active notebook’s MLflow runs.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [
    ILabShell,
    ILayoutRestorer,
    ICommandPalette,
    ISettingRegistry,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const model = new PanelModel(
      new MlopsClient(requestAPI),
      labNotifier,
      (path, index, line) => revealCell(app, notebooks, path, index, line),
      trans
    );
    addConvertCommand(app, notebooks, model, palette, trans);
    const panel = new MlopsPanel(
      model,
      chartRendererFrom(rendermime, trans),
      () => {
        void app.commands.execute(CONVERT_COMMAND);
      },
      trans
    );
    addScheduleCommand(app, notebooks, model, palette, trans);
    panel.title.icon = mlopsIcon;
    panel.title.caption = trans.__(
      'MLOps: runs, models and registry of the active notebook'
    );
    panel.title.label = trans.__('MLOps');
    app.shell.add(panel, 'left', { rank: 700 });
    restorer?.add(panel, PANEL_ID);
    addMainAreaViews(
      app,
      model,
      chartRendererFrom(rendermime, trans),
      restorer,
      palette,
      trans
    );
    if (settingRegistry) {
      void followSettings(settingRegistry, panelPlugin.id, model);
    }

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

export default [panelPlugin, tagsPlugin];
