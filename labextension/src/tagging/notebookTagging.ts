/**
 * Tagging of one open notebook: a tag bar on every cell, the steps' coloured gutter, and the step graph
 * model fed with the notebook's current cells (planned by nb2prod on the server, debounced).
 */
import { InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { Cell, ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { PanelLayout } from '@lumino/widgets';

import type { MlopsClient } from '../api';
import type { PlanCell } from '../contract';
import {
  isStepName,
  ITaggedCell,
  placesOf,
  readTags,
  Role,
  stepColors,
  stepNames,
  withModel,
  withPlannedSteps,
  withRole
} from '../models/cellTags';
import { PipelinePlanModel } from '../models/pipelinePlan';
import { untranslated } from '../translation';
import { CellTagBar } from './cellTagBar';

const STEP_CELL_CLASS = 'jp-mlops-mod-step';
const ISSUE_CELL_CLASS = 'jp-mlops-mod-issue';

function tagsOf(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? tags.map(String) : [];
}

export class NotebookTagging implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    client: MlopsClient,
    private readonly _trans: TranslationBundle = untranslated
  ) {
    this.plan = new PipelinePlanModel(client, undefined, undefined, _trans);
    this.plan.changed.connect(this._render, this);
    void panel.context.ready.then(() => this._start());
  }

  /** The step graph and nb2prod's messages for this notebook. */
  readonly plan: PipelinePlanModel;

  /** Emitted after the bars and gutter are redrawn (tags, cells or plan changed). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Each cell's tag-level view, in notebook order. */
  taggedCells(): ITaggedCell[] {
    const cells = this.panel.content.model?.cells;
    if (!cells) {
      return [];
    }
    return Array.from(cells, model => ({
      cellType: model.type,
      tags: tagsOf(model)
    }));
  }

  /** step name → colour (the gutter's and the graph's). */
  get colors(): Map<string, string> {
    return this._colors;
  }

  /** Give the cell at `index` the role `role` (asking for the step name of a step); one click. */
  async setRole(index: number, role: Role): Promise<void> {
    const model = this.panel.content.model?.cells.get(index);
    if (!model) {
      return;
    }
    const tags = tagsOf(model);
    if (role !== 'step') {
      this._write(model, withRole(tags, role));
      return;
    }
    const current = readTags(tags).step;
    const place = placesOf(this.taggedCells())[index];
    const above = place?.continues && place.role === null ? place.step : null;
    const step = await this._askStep(current ?? above, current !== null);
    if (step === null || step === current) {
      return;
    }
    // An empty answer on a step cell removes its step (withRole toggles the same step off).
    this._write(model, withRole(tags, 'step', step || current));
  }

  /** Tag the cell at `index` with `model:VAR`, the variable picked from the steps' outputs. */
  async setModel(index: number): Promise<void> {
    const model = this.panel.content.model?.cells.get(index);
    if (!model) {
      return;
    }
    const current = readTags(tagsOf(model)).model;
    const variables =
      (this.plan.plan?.planned ? this.plan.plan : this.plan.lastGraph)
        ?.variables ?? [];
    const result = await InputDialog.getItem({
      title: this._trans.__('Model variable'),
      label: this._trans.__(
        'The variable whose object is logged as the run’s MLflow model (empty: none)'
      ),
      items:
        current && !variables.includes(current)
          ? [current, ...variables]
          : variables,
      current: current ?? '',
      editable: true,
      placeholder: this._trans.__('variable name')
    });
    if (!result.button.accept) {
      return;
    }
    const variable = (result.value ?? '').trim();
    if (variable && !isStepName(variable)) {
      await showErrorMessage(
        this._trans.__('Model variable'),
        this._trans.__('%1 is not a Python variable name.', variable)
      );
      return;
    }
    this._write(model, withModel(tagsOf(model), variable || null));
  }

  /** The step the user picks or names; '' (only when `mayClear`) to take the cell out of its step. */
  private async _askStep(
    suggestion: string | null,
    mayClear: boolean
  ): Promise<string | null> {
    const names = stepNames(this.taggedCells());
    const result = await InputDialog.getItem({
      title: this._trans.__('Step'),
      label: mayClear
        ? this._trans.__(
            'Pick a step, or type the name of a new one (empty: no step)'
          )
        : this._trans.__('Pick a step, or type the name of a new one'),
      items: names,
      current: suggestion ?? '',
      editable: true,
      placeholder: this._trans.__('step name, e.g. train')
    });
    if (!result.button.accept) {
      return null;
    }
    const name = (result.value ?? '').trim();
    if (name === '' && mayClear) {
      return '';
    }
    if (!isStepName(name)) {
      await showErrorMessage(
        this._trans.__('Step'),
        this._trans.__(
          '%1 cannot name a step: use letters, digits and _ (not starting with a digit).',
          name || this._trans.__('An empty name')
        )
      );
      return null;
    }
    return name;
  }

  private _write(model: ICellModel, tags: string[]): void {
    if (tags.length) {
      model.setMetadata('tags', tags);
    } else {
      model.deleteMetadata('tags');
    }
  }

  private _start(): void {
    const model = this.panel.content.model;
    if (!model || this._disposed) {
      return;
    }
    model.contentChanged.connect(this._changedContent, this);
    model.cells.changed.connect(this._watchCells, this);
    this.panel.content.activeCellChanged.connect(this._render, this);
    this.panel.context.pathChanged.connect(this._changedContent, this);
    this._watchCells();
  }

  private _watchCells(): void {
    for (const cell of this.panel.content.model?.cells ?? []) {
      if (!this._watched.has(cell)) {
        this._watched.add(cell);
        cell.metadataChanged.connect(this._changedContent, this);
      }
    }
    this._changedContent();
  }

  private _changedContent(): void {
    if (this._disposed) {
      return;
    }
    this._render();
    this.plan.update(this.panel.context.path, () => this._planCells());
  }

  private _planCells(): PlanCell[] {
    return Array.from(this.panel.content.model?.cells ?? [], model => ({
      cell_type: model.type,
      source: model.sharedModel.getSource(),
      tags: tagsOf(model)
    }));
  }

  /** Redraw every cell's bar and gutter from the tags and the newest plan. */
  private _render(): void {
    if (this._disposed) {
      return;
    }
    const cells = this.taggedCells();
    const graph = this.plan.lastGraph;
    const places =
      graph && this.plan.lastGraphCells === cells.length
        ? withPlannedSteps(placesOf(cells), graph.steps)
        : placesOf(cells);
    this._colors = stepColors(places);
    this.panel.content.widgets.forEach((cell, index) => {
      const place = places[index];
      if (!place) {
        return;
      }
      const color = place.step ? (this._colors.get(place.step) ?? null) : null;
      const issues = this.plan.issuesAt(index);
      cell.toggleClass(STEP_CELL_CLASS, color !== null);
      cell.toggleClass(ISSUE_CELL_CLASS, issues.length > 0);
      if (color) {
        cell.node.style.setProperty('--jp-mlops-step-color', color);
        cell.node.dataset.mlopsStep = place.step ?? '';
      } else {
        cell.node.style.removeProperty('--jp-mlops-step-color');
        delete cell.node.dataset.mlopsStep;
      }
      this._barOf(cell).render({
        isCode: cell.model.type === 'code',
        place,
        color,
        model: readTags(tagsOf(cell.model)).model,
        issues
      });
    });
    this._changed.emit();
  }

  /** The cell's bar, created and put at the top of the cell the first time. */
  private _barOf(cell: Cell): CellTagBar {
    let bar = this._bars.get(cell);
    if (!bar || bar.isDisposed) {
      const created = new CellTagBar(
        {
          setRole: role =>
            void this._forCell(created, index => this.setRole(index, role)),
          setModel: () =>
            void this._forCell(created, index => this.setModel(index))
        },
        this._trans
      );
      bar = created;
      this._bars.set(cell, bar);
      (cell.layout as PanelLayout).insertWidget(0, bar);
    }
    return bar;
  }

  /** Run `action` on the index the bar's cell has now (cells move). */
  private async _forCell(
    bar: CellTagBar,
    action: (index: number) => Promise<void>
  ): Promise<void> {
    const index = this.panel.content.widgets.findIndex(
      cell => this._bars.get(cell) === bar
    );
    if (index >= 0) {
      this.panel.content.activeCellIndex = index;
      await action(index);
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.plan.dispose();
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _colors = new Map<string, string>();
  private _watched = new WeakSet<ICellModel>();
  private _bars = new WeakMap<Cell, CellTagBar>();
  private _disposed = false;
}
