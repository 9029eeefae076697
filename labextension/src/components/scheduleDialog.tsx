/**
 * The Schedule Retraining dialog: engine, cron expression with the server's wording and next runs,
 * parameters of the notebook's `parameters` cell, and the promotion gate. Accepting the defaults
 * writes a weekly cron schedule.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import type { MlopsClient } from '../api';
import type { CronPreview, ScheduleOptions } from '../contract';
import {
  CronPreviewModel,
  defaultChoice,
  IScheduleChoice
} from '../models/schedule';
import { TransContext, untranslated, useTrans } from '../translation';
import { TextField } from './fields';

/** Common schedules one click away (the field stays editable). */
function presets(trans: TranslationBundle): [string, string][] {
  return [
    [trans.__('Hourly'), '0 * * * *'],
    [trans.__('Daily'), '0 3 * * *'],
    [trans.__('Weekly'), '0 3 * * 1'],
    [trans.__('Monthly'), '0 3 1 * *']
  ];
}

function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit'
  });
}

function PreviewLines({
  preview,
  error
}: {
  preview: CronPreview | null;
  error: string | null;
}): JSX.Element {
  const trans = useTrans();
  if (error) {
    return <p className="jp-mlops-error">{error}</p>;
  }
  if (!preview) {
    return <p className="jp-mlops-hint">…</p>;
  }
  if (!preview.valid) {
    return (
      <p
        className="jp-mlops-error"
        role="alert"
        aria-label={trans.__('Cron error')}
      >
        {preview.error}
      </p>
    );
  }
  return (
    <div
      aria-label={trans.__('Cron preview')}
      className="jp-mlops-cron-preview"
    >
      <strong>{preview.description ?? preview.cron}</strong>
      <span className="jp-mlops-hint">
        {' '}
        {trans.__('(read in %1; shown in your local time)', preview.timezone)}
      </span>
      <ul aria-label={trans.__('Next runs')}>
        {preview.next_runs.map(ms => (
          <li key={ms}>{formatTime(ms)}</li>
        ))}
      </ul>
    </div>
  );
}

function ScheduleForm({
  options,
  aliasNames,
  previewer,
  onChange
}: {
  options: ScheduleOptions;
  aliasNames: string[];
  previewer: CronPreviewModel;
  onChange: (choice: IScheduleChoice) => void;
}): JSX.Element {
  const trans = useTrans();
  const [choice, setChoice] = useState(() => defaultChoice(options));
  const [, setTick] = useState(0);
  useEffect(() => {
    const redraw = (): void => setTick(tick => tick + 1);
    previewer.changed.connect(redraw);
    return () => {
      previewer.changed.disconnect(redraw);
    };
  }, [previewer]);
  useEffect(() => {
    void previewer.request(choice.cron, choice.engine);
  }, [previewer, choice.cron, choice.engine]);
  // Edits compose on the latest choice, not on the one this render saw: two inputs handled before React
  // re-renders (fast typing, a test filling fields) must not undo each other.
  const latest = useRef(choice);
  const update = (next: Partial<IScheduleChoice>): void => {
    const merged = { ...latest.current, ...next };
    latest.current = merged;
    setChoice(merged);
    onChange(merged);
  };
  const setParameter = (name: string, value: string): void =>
    update({ parameters: { ...latest.current.parameters, [name]: value } });
  const metricsId = 'jp-mlops-schedule-metrics';
  const aliasesId = 'jp-mlops-schedule-aliases';
  return (
    <div className="jp-mlops-schedule-form">
      <p className="jp-mlops-hint">
        {trans.__('Writes the files')} <code>jupyter-mlops schedule</code>{' '}
        {trans.__('writes for')} <code>{options.notebook}</code>
        {trans.__(
          '. The runs happen outside Jupyter (they survive this server) and are tracked in MLflow under'
        )}{' '}
        <code>{options.experiment_name}</code>.
      </p>
      <label className="jp-mlops-field">
        {trans.__('Target')}
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Target')}
          value={choice.engine}
          onChange={event => update({ engine: event.target.value })}
        >
          {options.engines.map(engine => (
            <option key={engine.name} value={engine.name}>
              {engine.label}
            </option>
          ))}
        </select>
      </label>
      <TextField
        label={trans.__(
          'Cron expression (minute hour day-of-month month day-of-week)'
        )}
        ariaLabel={trans.__('Cron expression')}
        value={choice.cron}
        autoFocus
        onChange={cron => update({ cron })}
      />
      <div className="jp-mlops-presets">
        {presets(trans).map(([label, cron]) => (
          <button
            key={label}
            type="button"
            className="jp-mlops-link"
            onClick={() => update({ cron })}
          >
            {label}
          </button>
        ))}
      </div>
      <PreviewLines
        preview={previewer.state.value}
        error={previewer.state.error}
      />
      <div className="jp-mlops-field-row">
        <TextField
          label={trans.__('Folder (under the Jupyter root)')}
          ariaLabel={trans.__('Folder')}
          value={choice.folder}
          onChange={folder => update({ folder })}
        />
        <TextField
          label={trans.__('Name')}
          value={choice.name}
          onChange={name => update({ name })}
        />
      </div>
      <fieldset className="jp-mlops-fieldset">
        <legend>{trans.__('Parameters')}</legend>
        {options.parameters.length === 0 ? (
          <p className="jp-mlops-hint">
            {trans.__('The notebook has no')} <code>parameters</code>{' '}
            {trans.__('cell.')}
          </p>
        ) : (
          options.parameters.map(parameter => (
            <label className="jp-mlops-field" key={parameter.name}>
              <span>
                <code>{parameter.name}</code>: {parameter.type}
              </span>
              <input
                className="jp-mod-styled"
                aria-label={trans.__('Parameter %1', parameter.name)}
                placeholder={parameter.default}
                value={choice.parameters[parameter.name] ?? ''}
                onChange={event =>
                  setParameter(parameter.name, event.target.value)
                }
              />
            </label>
          ))
        )}
      </fieldset>
      <fieldset className="jp-mlops-fieldset">
        <legend>{trans.__('Promotion gate (optional)')}</legend>
        <div className="jp-mlops-field-row">
          <TextField
            label={trans.__('Register as model')}
            value={choice.register}
            onChange={register => update({ register })}
          />
          <TextField
            label={trans.__('Promote to alias')}
            suggestions={{ id: aliasesId, values: aliasNames }}
            value={choice.promote}
            onChange={promote => update({ promote })}
          />
        </div>
        <div className="jp-mlops-field-row">
          <TextField
            label={trans.__('Metric')}
            suggestions={{ id: metricsId, values: options.metrics }}
            value={choice.metric}
            onChange={metric => update({ metric })}
          />
          <label className="jp-mlops-field">
            {trans.__('Direction')}
            <select
              className="jp-mod-styled"
              aria-label={trans.__('Direction')}
              value={choice.greaterIsBetter ? 'higher' : 'lower'}
              onChange={event =>
                update({ greaterIsBetter: event.target.value === 'higher' })
              }
            >
              <option value="higher">{trans.__('higher is better')}</option>
              <option value="lower">{trans.__('lower is better')}</option>
            </select>
          </label>
          <TextField
            label={trans.__('Min delta')}
            inputMode="decimal"
            placeholder="0"
            value={choice.minDelta}
            onChange={minDelta => update({ minDelta })}
          />
        </div>
      </fieldset>
    </div>
  );
}

class ScheduleBody
  extends ReactWidget
  implements Dialog.IBodyWidget<IScheduleChoice>
{
  constructor(
    client: MlopsClient,
    private readonly options: ScheduleOptions,
    private readonly aliasNames: string[],
    private readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-mlops-schedule-dialog');
    this.previewer = new CronPreviewModel(client, undefined, trans);
    this.choice = defaultChoice(options);
  }

  dispose(): void {
    this.previewer.dispose();
    super.dispose();
  }

  getValue(): IScheduleChoice {
    return this.choice;
  }

  protected render(): JSX.Element {
    return (
      <TransContext.Provider value={this.trans}>
        <ScheduleForm
          options={this.options}
          aliasNames={this.aliasNames}
          previewer={this.previewer}
          onChange={choice => (this.choice = choice)}
        />
      </TransContext.Provider>
    );
  }

  private readonly previewer: CronPreviewModel;
  private choice: IScheduleChoice;
}

/** Ask how to schedule the notebook `options` describes; null when cancelled. */
export async function askScheduleChoice(
  client: MlopsClient,
  options: ScheduleOptions,
  aliasNames: string[],
  trans: TranslationBundle = untranslated
): Promise<IScheduleChoice | null> {
  const result = await showDialog<IScheduleChoice>({
    title: trans.__('Schedule Retraining'),
    body: new ScheduleBody(client, options, aliasNames, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Schedule') })
    ],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept || !result.value) {
    return null;
  }
  return result.value;
}
