/**
 * The *Schedule Retraining…* command (palette, notebook toolbar, MLOps panel): the dialog for the open
 * notebook, then the schedule written on the server and shown in the panel's Schedules view.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CommandToolbarButton } from '@jupyterlab/ui-components';

import { MlopsClient } from './api';
import { askScheduleChoice } from './components/scheduleDialog';
import { mlopsIcon } from './icon';
import type { PanelModel } from './models/panel';
import { errorMessage } from './models/report';
import { labNotifier } from './notifications';
import { requestAPI } from './request';
import { untranslated } from './translation';
import { PANEL_ID } from './widget';

export const SCHEDULE_COMMAND = 'jupyter-mlops:schedule-retraining';
const TOOLBAR_ITEM = 'jupyter-mlops-schedule';
const TOOLBAR_RANK = 11;

/** Register the command, its palette entry, the notebook toolbar button and the panel's button. */
export function addScheduleCommand(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  model: PanelModel,
  palette: ICommandPalette | null,
  trans: TranslationBundle = untranslated
): void {
  const client = new MlopsClient(requestAPI);
  app.commands.addCommand(SCHEDULE_COMMAND, {
    label: trans.__('Schedule Retraining…'),
    caption: trans.__(
      'Write a cron, Prefect or Airflow schedule that retrains this notebook with `jupyter-mlops run`, outside Jupyter'
    ),
    icon: mlopsIcon,
    describedBy: { args: { type: 'object', properties: {} } },
    isEnabled: () => notebooks.currentWidget !== null,
    execute: async () => {
      const panel = notebooks.currentWidget;
      if (!panel) {
        return;
      }
      const path = panel.context.path;
      if (panel.context.model.dirty) {
        await panel.context.save(); // the server reads the parameters cell from the file
      }
      let options;
      try {
        options = await client.getScheduleOptions(path);
      } catch (error) {
        labNotifier.error(
          trans.__('Cannot schedule %1: %2', path, errorMessage(error, trans))
        );
        return;
      }
      const choice = await askScheduleChoice(
        client,
        options,
        model.aliasNames,
        trans
      );
      if (!choice) {
        return;
      }
      app.shell.activateById(PANEL_ID);
      await model.scheduleNotebook(path, choice);
    }
  });
  model.schedules.setCreateAction(() => {
    void app.commands.execute(SCHEDULE_COMMAND);
  });
  palette?.addItem({ command: SCHEDULE_COMMAND, category: 'MLOps' });
  app.docRegistry.addWidgetExtension('Notebook', {
    createNew: (panel: NotebookPanel) => {
      const button = new CommandToolbarButton({
        commands: app.commands,
        id: SCHEDULE_COMMAND,
        label: trans.__('Schedule Retraining…')
      });
      panel.toolbar.insertItem(TOOLBAR_RANK, TOOLBAR_ITEM, button);
      return button;
    }
  });
}
