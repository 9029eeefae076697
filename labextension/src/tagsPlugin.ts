/**
 * JupyterLab plugin: tagging that shows the pipeline. A tag bar on every cell (one click writes the tags
 * nb2prod reads), the steps' coloured gutter, the *Pipeline* sidebar with nb2prod's step graph, and a
 * palette command per role.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { MlopsClient } from './api';
import { revealCell } from './convertCommand';
import { mlopsIcon } from './icon';
import { Role, ROLES } from './models/cellTags';
import { requestAPI } from './request';
import { GRAPH_PANEL_ID, PipelineGraphPanel } from './tagging/graphPanel';
import { NotebookTagging } from './tagging/notebookTagging';
import { TRANSLATION_DOMAIN } from './translation';

export const TAG_CELL_COMMAND = 'jupyter-mlops:tag-cell';
export const TAG_MODEL_COMMAND = 'jupyter-mlops:tag-model';
export const SHOW_PIPELINE_COMMAND = 'jupyter-mlops:show-pipeline';

export const tagsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:tags',
  description:
    'Tag cells for nb2prod with one click, see each cell’s step and the step graph nb2prod plans.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const client = new MlopsClient(requestAPI);
    const taggings = new WeakMap<NotebookPanel, NotebookTagging>();
    const graph = new PipelineGraphPanel((path, index, line) => {
      void revealCell(app, notebooks, path, index, line);
    }, trans);
    graph.title.icon = mlopsIcon;
    graph.title.caption = trans.__(
      'Pipeline: the step graph nb2prod plans from the tags'
    );
    app.shell.add(graph, 'right', { rank: 700 });
    restorer?.add(graph, GRAPH_PANEL_ID);

    app.docRegistry.addWidgetExtension('Notebook', {
      createNew: (panel: NotebookPanel) => {
        const tagging = new NotebookTagging(panel, client, trans);
        taggings.set(panel, tagging);
        panel.disposed.connect(() => tagging.dispose());
        if (notebooks.currentWidget === panel) {
          graph.follow(tagging);
        }
        return tagging;
      }
    });
    const follow = (panel: NotebookPanel | null): void => {
      graph.follow(panel ? (taggings.get(panel) ?? null) : null);
    };
    notebooks.currentChanged.connect((_, panel) => follow(panel));
    follow(notebooks.currentWidget);

    const current = (): [NotebookTagging, number] | null => {
      const panel = notebooks.currentWidget;
      const tagging = panel ? taggings.get(panel) : undefined;
      return panel && tagging ? [tagging, panel.content.activeCellIndex] : null;
    };
    app.commands.addCommand(TAG_CELL_COMMAND, {
      label: args =>
        trans.__('Tag Cell for nb2prod: %1', String(args.role ?? 'role')),
      caption: trans.__(
        'Give the active cell this role in the pipeline (click again to remove it)'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: { role: { type: 'string', enum: [...ROLES] } },
          required: ['role']
        }
      },
      isEnabled: () => current() !== null,
      execute: async args => {
        const target = current();
        if (target && ROLES.includes(args.role as Role)) {
          await target[0].setRole(target[1], args.role as Role);
        }
      }
    });
    app.commands.addCommand(TAG_MODEL_COMMAND, {
      label: trans.__('Tag Cell for nb2prod: model variable…'),
      caption: trans.__(
        'Log a variable of the active cell’s step as the run’s MLflow model'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => current() !== null,
      execute: async () => {
        const target = current();
        if (target) {
          await target[0].setModel(target[1]);
        }
      }
    });
    app.commands.addCommand(SHOW_PIPELINE_COMMAND, {
      label: trans.__('Show the Pipeline (step graph)'),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => app.shell.activateById(GRAPH_PANEL_ID)
    });
    for (const role of ROLES) {
      palette?.addItem({
        command: TAG_CELL_COMMAND,
        args: { role },
        category: 'MLOps'
      });
    }
    palette?.addItem({ command: TAG_MODEL_COMMAND, category: 'MLOps' });
    palette?.addItem({ command: SHOW_PIPELINE_COMMAND, category: 'MLOps' });
  }
};
