/**
 * The MLOps bar at the top of a code cell: the cell's step (coloured like its gutter) or role, its model
 * variable, one-click role buttons (shown on the active or hovered cell), and nb2prod's message when the
 * cell's tags are misspelled or conflicting.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { ConversionRefusal } from '../contract';
import { ICellPlace, Role, ROLES } from '../models/cellTags';
import { untranslated } from '../translation';

/** What the bar's buttons do (the notebook's tagging controller answers them). */
export interface ITagBarActions {
  setRole(role: Role): void;
  setModel(): void;
}

/** What the bar shows. */
export interface ITagBarState {
  isCode: boolean;
  place: ICellPlace;
  color: string | null;
  model: string | null;
  issues: ConversionRefusal[];
}

/** Each role button's label. */
function labels(trans: TranslationBundle): Record<Role, string> {
  return {
    parameters: trans.__('Parameters'),
    imports: trans.__('Imports'),
    functions: trans.__('Functions'),
    step: trans.__('Step…'),
    metrics: trans.__('Metrics'),
    test: trans.__('Test'),
    skip: trans.__('Skip')
  };
}

/** Each role button's tooltip. */
function titles(trans: TranslationBundle): Record<Role, string> {
  return {
    parameters: trans.__(
      'The pipeline’s parameters and defaults (tag parameters)'
    ),
    imports: trans.__('Imports shared by all steps (tag imports)'),
    functions: trans.__(
      'Helper functions and constants shared by all steps (tag functions)'
    ),
    step: trans.__(
      'Put this cell in a step: pick one or name a new one (tag step:NAME)'
    ),
    metrics: trans.__(
      'The values this cell shows are the run’s metrics (tag metrics)'
    ),
    test: trans.__('Assertions that become pytest tests (tag test)'),
    skip: trans.__('Leave this cell out of the pipeline (tag skip)')
  };
}

export class CellTagBar extends Widget {
  constructor(
    private readonly _actions: ITagBarActions,
    private readonly _trans: TranslationBundle = untranslated
  ) {
    super();
    this.addClass('jp-mlops-TagBar');
    this._chip.className = 'jp-mlops-TagBar-chip';
    this._model.className = 'jp-mlops-TagBar-model';
    this._buttons.className = 'jp-mlops-TagBar-buttons';
    this._issue.className = 'jp-mlops-TagBar-issue';
    this._issue.setAttribute('role', 'alert');
    const roleLabels = labels(_trans);
    const roleTitles = titles(_trans);
    for (const role of ROLES) {
      this._buttons.appendChild(
        this._button(roleLabels[role], roleTitles[role], role, () =>
          this._actions.setRole(role)
        )
      );
    }
    this._buttons.appendChild(
      this._button(
        _trans.__('Model…'),
        _trans.__(
          'Log the object in a variable as the run’s MLflow model (tag model:VAR)'
        ),
        'model',
        () => this._actions.setModel()
      )
    );
    const row = document.createElement('div');
    row.className = 'jp-mlops-TagBar-row';
    row.append(this._chip, this._model, this._buttons);
    this.node.append(row, this._issue);
  }

  /** Show `state`. */
  render(state: ITagBarState): void {
    const key = JSON.stringify(state);
    if (key === this._shown) {
      return; // typing in a cell redraws every bar: only changed ones touch the DOM
    }
    this._shown = key;
    const { place } = state;
    this.toggleClass('jp-mod-code', state.isCode);
    this.toggleClass('jp-mod-issue', state.issues.length > 0);
    let chip = '';
    if (place.step) {
      chip = place.continues ? `↳ ${place.step}` : place.step;
    } else if (place.role) {
      chip = place.role;
    }
    this._chip.textContent = chip;
    this._chip.title = place.continues
      ? this._trans.__('Untagged: runs in step %1, the step above', place.step)
      : chip;
    this._chip.hidden = !chip;
    this._chip.dataset.role = place.role ?? '';
    this._chip.style.setProperty(
      '--jp-mlops-step-color',
      state.color ?? 'var(--jp-layout-color3)'
    );
    this._model.textContent = state.model
      ? this._trans.__('model: %1', state.model)
      : '';
    this._model.hidden = !state.model;
    for (const button of Array.from(this._buttons.children)) {
      const role = (button as HTMLElement).dataset.role;
      const pressed =
        role === 'model' ? state.model !== null : role === place.role;
      button.setAttribute('aria-pressed', String(pressed));
    }
    this._issue.textContent = state.issues
      .map(issue => `⚠ ${issue.message}`)
      .join('\n');
    this._issue.hidden = state.issues.length === 0;
  }

  private _button(
    label: string,
    title: string,
    role: string,
    onClick: () => void
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-mlops-TagBar-button';
    button.textContent = label;
    button.title = title;
    button.dataset.role = role;
    button.addEventListener('click', event => {
      event.stopPropagation();
      onClick();
    });
    button.addEventListener('mousedown', event => event.stopPropagation());
    return button;
  }

  private _shown = '';
  private readonly _chip = document.createElement('span');
  private readonly _model = document.createElement('span');
  private readonly _buttons = document.createElement('div');
  private readonly _issue = document.createElement('div');
}
