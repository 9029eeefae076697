/**
 * The Lumino widget in the left sidebar: renders the model and tells it when it is visible.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import React from 'react';

import type { ChartRenderer } from './components/Chart';
import { Panel } from './components/Panel';
import type { PanelModel } from './models/panel';
import { TransContext, untranslated } from './translation';

export const PANEL_ID = 'jupyter-mlops-panel';

export class MlopsPanel extends ReactWidget {
  constructor(
    readonly model: PanelModel,
    private readonly renderChart: ChartRenderer,
    private readonly onConvert: () => void,
    private readonly trans: TranslationBundle = untranslated
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-mlops-panel');
  }

  protected render(): JSX.Element {
    return (
      <TransContext.Provider value={this.trans}>
        <UseSignal signal={this.model.changed}>
          {() => (
            <Panel
              model={this.model}
              renderChart={this.renderChart}
              onConvert={this.onConvert}
            />
          )}
        </UseSignal>
      </TransContext.Provider>
    );
  }

  protected onAfterShow(message: Message): void {
    super.onAfterShow(message);
    this.model.setVisible(true);
  }

  protected onAfterHide(message: Message): void {
    super.onAfterHide(message);
    this.model.setVisible(false);
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }
}
