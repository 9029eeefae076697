/**
 * The *Pipeline* sidebar: the step graph and tag issues of the notebook being edited.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';
import React from 'react';

import { TransContext, untranslated } from '../translation';
import { PipelineGraph } from './PipelineGraph';
import type { NotebookTagging } from './notebookTagging';

export const GRAPH_PANEL_ID = 'jupyter-mlops-pipeline';

export class PipelineGraphPanel extends ReactWidget {
  constructor(
    private readonly _reveal: (
      path: string,
      cellIndex: number,
      line: number | null
    ) => void,
    private readonly _trans: TranslationBundle = untranslated
  ) {
    super();
    this.id = GRAPH_PANEL_ID;
    this.addClass('jp-mlops-GraphPanel');
  }

  /** Follow `tagging` (the active notebook's), or nothing. */
  follow(tagging: NotebookTagging | null): void {
    if (this._tagging === tagging) {
      return;
    }
    this._tagging?.changed.disconnect(this._emit, this);
    this._tagging = tagging;
    tagging?.changed.connect(this._emit, this);
    this._emit();
  }

  protected render(): JSX.Element {
    return (
      <TransContext.Provider value={this._trans}>
        <UseSignal signal={this._changed}>
          {() => {
            const tagging = this._tagging;
            const path = tagging?.panel.context.path ?? null;
            return (
              <PipelineGraph
                notebook={path}
                plan={tagging?.plan.plan ?? null}
                lastGraph={tagging?.plan.lastGraph ?? null}
                pending={tagging?.plan.pending ?? false}
                error={tagging?.plan.error ?? null}
                colors={tagging?.colors ?? new Map()}
                onReveal={(cell, line) =>
                  path && this._reveal(path, cell, line)
                }
              />
            );
          }}
        </UseSignal>
      </TransContext.Provider>
    );
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _tagging: NotebookTagging | null = null;
  private readonly _changed: Signal<this, void> = new Signal(this);
  get changed(): ISignal<this, void> {
    return this._changed;
  }
}
