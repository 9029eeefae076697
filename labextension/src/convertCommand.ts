/**
 * The *Convert to Production…* command (palette, notebook toolbar, MLOps panel) and how a refusal
 * shows its cell: the notebook activated, the cell scrolled into view, the cursor on the line.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CommandToolbarButton } from '@jupyterlab/ui-components';

import { askConvertChoice } from './components/convertDialog';
import { mlopsIcon } from './icon';
import type { PanelModel } from './models/panel';
import { untranslated } from './translation';
import { PANEL_ID } from './widget';

export const CONVERT_COMMAND = 'jupyter-mlops:convert-to-production';
const TOOLBAR_ITEM = 'jupyter-mlops-convert';
const TOOLBAR_RANK = 10;

/** Activate `path`'s notebook, make cell `index` active and visible, and put the cursor on `line`. */
export async function revealCell(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  path: string,
  index: number,
  line: number | null
): Promise<void> {
  let panel = notebooks.find(widget => widget.context.path === path) ?? null;
  if (!panel) {
    const opened = await app.commands.execute('docmanager:open', { path });
    panel = opened instanceof NotebookPanel ? opened : null;
  }
  if (!panel) {
    return;
  }
  app.shell.activateById(panel.id);
  await panel.context.ready;
  const notebook = panel.content;
  const cell = notebook.widgets[index];
  if (!cell) {
    return;
  }
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  await notebook.scrollToCell(cell, 'center');
  await cell.ready;
  if (line !== null && cell.editor) {
    notebook.mode = 'edit';
    cell.editor.setCursorPosition({ line: Math.max(0, line - 1), column: 0 });
    cell.editor.focus();
  }
}

/** Register the command, its palette entry and the notebook toolbar button. */
export function addConvertCommand(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  model: PanelModel,
  palette: ICommandPalette | null,
  trans: TranslationBundle = untranslated
): void {
  app.commands.addCommand(CONVERT_COMMAND, {
    label: trans.__('Convert to Production…'),
    caption: trans.__(
      'Run nb2prod on this notebook: a tested, MLflow-tracked package in a folder under the Jupyter root'
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
      const choice = await askConvertChoice(
        path,
        model.defaultOutputFor(path),
        trans
      );
      if (!choice) {
        return;
      }
      if (panel.context.model.dirty) {
        await panel.context.save(); // nb2prod reads the notebook file
      }
      app.shell.activateById(PANEL_ID);
      await model.convertNotebook(path, choice.output, choice.force);
    }
  });
  palette?.addItem({ command: CONVERT_COMMAND, category: 'MLOps' });
  app.docRegistry.addWidgetExtension('Notebook', {
    createNew: (panel: NotebookPanel) => {
      const button = new CommandToolbarButton({
        commands: app.commands,
        id: CONVERT_COMMAND,
        label: trans.__('Convert to Production…')
      });
      panel.toolbar.insertItem(TOOLBAR_RANK, TOOLBAR_ITEM, button);
      return button;
    }
  });
}
