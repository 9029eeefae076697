/**
 * Run detail, compare and the registry in main-area tabs: the *Open MLOps View* command, a
 * `WidgetTracker` (one tab per run, per comparison, one registry tab) and `ILayoutRestorer`, so the
 * tabs come back after a reload.
 */
import { JupyterFrontEnd, ILayoutRestorer } from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  ReactWidget,
  UseSignal,
  WidgetTracker
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import React from 'react';

import { MlopsClient } from './api';
import type { ChartRenderer } from './components/Chart';
import { MainView } from './components/MainView';
import { mlopsIcon } from './icon';
import {
  MainViewModel,
  ViewRequest,
  viewKey,
  viewRequestFrom
} from './models/mainView';
import type { PanelModel } from './models/panel';
import { Reporter } from './models/report';
import { labNotifier } from './notifications';
import { requestAPI } from './request';
import { TransContext, untranslated } from './translation';

export const OPEN_VIEW_COMMAND = 'jupyter-mlops:open-view';
const TRACKER_NAMESPACE = 'jupyter-mlops-view';

/** The React content of a main-area tab. */
export class MlopsMainView extends ReactWidget {
  constructor(
    readonly model: MainViewModel,
    private readonly _renderChart: ChartRenderer,
    private readonly _trans: TranslationBundle = untranslated
  ) {
    super();
    this.addClass('jp-mlops-panel');
    this.addClass('jp-mlops-main-view');
  }

  protected render(): JSX.Element {
    return (
      <TransContext.Provider value={this._trans}>
        <UseSignal signal={this.model.changed}>
          {() => (
            <MainView model={this.model} renderChart={this._renderChart} />
          )}
        </UseSignal>
      </TransContext.Provider>
    );
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }
}

/** The tab's title: the run's name, `Compare N runs`, `Model registry`. */
function tabLabel(model: MainViewModel, trans: TranslationBundle): string {
  const request = model.request;
  switch (request.view) {
    case 'run': {
      const run = model.detail.run.value?.run;
      return trans.__('Run %1', run?.run_name || request.runId.slice(0, 8));
    }
    case 'compare':
      return trans.__('Compare %1 runs', request.runIds.length);
    default:
      return request.model
        ? trans.__('Registry: %1', request.model)
        : trans.__('Model registry');
  }
}

/** Register the command and the tracker, and let the sidebar open its views in tabs. */
export function addMainAreaViews(
  app: JupyterFrontEnd,
  panel: PanelModel,
  renderChart: ChartRenderer,
  restorer: ILayoutRestorer | null,
  palette: ICommandPalette | null,
  trans: TranslationBundle = untranslated
): WidgetTracker<MainAreaWidget<MlopsMainView>> {
  const tracker = new WidgetTracker<MainAreaWidget<MlopsMainView>>({
    namespace: TRACKER_NAMESPACE
  });
  const client = new MlopsClient(requestAPI);
  const reporter = new Reporter(labNotifier, trans);
  let count = 0;
  const navigate = (request: ViewRequest): void => {
    void app.commands.execute(OPEN_VIEW_COMMAND, {
      ...request
    } as unknown as ReadonlyPartialJSONObject);
  };

  const open = async (
    request: ViewRequest
  ): Promise<MainAreaWidget<MlopsMainView>> => {
    const key = viewKey(request);
    const existing = tracker.find(
      widget => viewKey(widget.content.model.request) === key
    );
    if (existing) {
      app.shell.activateById(existing.id);
      if (request.view === 'registry' && request.model) {
        await existing.content.model.openRegistry(request.model);
      }
      return existing;
    }
    const model = new MainViewModel(client, reporter, panel, navigate, request);
    const content = new MlopsMainView(model, renderChart, trans);
    const widget = new MainAreaWidget({ content });
    widget.id = `jupyter-mlops-view-${++count}`;
    widget.addClass('jp-mlops-main-area');
    widget.title.icon = mlopsIcon;
    widget.title.closable = true;
    widget.title.label = tabLabel(model, trans);
    model.changed.connect(() => {
      widget.title.label = tabLabel(model, trans);
      widget.title.caption = trans.__('MLOps: %1', widget.title.label);
      void tracker.save(widget);
    });
    // The first tab opens beside the notebook, the next ones as tabs next to it.
    const beside = tracker.currentWidget;
    void tracker.add(widget);
    app.shell.add(
      widget,
      'main',
      beside ? { ref: beside.id, mode: 'tab-after' } : { mode: 'split-right' }
    );
    app.shell.activateById(widget.id);
    await model.show(request);
    return widget;
  };

  app.commands.addCommand(OPEN_VIEW_COMMAND, {
    label: args => {
      const request = viewRequestFrom(args);
      return request?.view === 'run'
        ? trans.__('Open Run in a Tab')
        : request?.view === 'compare'
          ? trans.__('Compare Runs in a Tab')
          : trans.__('Open Model Registry');
    },
    caption: trans.__(
      'Show an MLflow run, a comparison or the model registry in a main-area tab'
    ),
    icon: mlopsIcon,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          view: { type: 'string', enum: ['run', 'compare', 'registry'] },
          runId: { type: 'string' },
          runIds: { type: 'array', items: { type: 'string' } },
          model: { type: 'string' }
        }
      }
    },
    execute: async args => {
      const request = viewRequestFrom(args);
      return request ? open(request) : undefined;
    }
  });
  palette?.addItem({
    command: OPEN_VIEW_COMMAND,
    args: { view: 'registry' },
    category: 'MLOps'
  });
  void restorer?.restore(tracker, {
    command: OPEN_VIEW_COMMAND,
    args: widget =>
      ({
        ...widget.content.model.request
      }) as unknown as ReadonlyPartialJSONObject,
    name: widget => viewKey(widget.content.model.request)
  });
  panel.setTabOpener(navigate);
  return tracker;
}
