/**
 * The Convert to Production dialog: output folder under the Jupyter root (prefilled next to the
 * notebook) and Force (update a folder nb2prod wrote before).
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { TransContext, untranslated, useTrans } from '../translation';

export interface IConvertChoice {
  output: string;
  force: boolean;
}

function ConvertForm({
  notebook,
  initial,
  onChange
}: {
  notebook: string;
  initial: IConvertChoice;
  onChange: (choice: IConvertChoice) => void;
}): JSX.Element {
  const trans = useTrans();
  const [choice, setChoice] = useState(initial);
  const update = (next: IConvertChoice): void => {
    setChoice(next);
    onChange(next);
  };
  return (
    <div className="jp-mlops-convert-form">
      <p className="jp-mlops-hint">
        {trans.__('nb2prod turns')} <code>{notebook}</code>{' '}
        {trans.__(
          'into a tested Python package: one function per step, an MLflow-tracked pipeline and its tests.'
        )}
      </p>
      <label className="jp-mlops-field">
        {trans.__('Output folder (under the Jupyter root)')}
        <input
          className="jp-mod-styled"
          aria-label={trans.__('Output folder')}
          value={choice.output}
          autoFocus
          onChange={event => update({ ...choice, output: event.target.value })}
        />
      </label>
      <label>
        <input
          type="checkbox"
          aria-label={trans.__('Force')}
          checked={choice.force}
          onChange={event => update({ ...choice, force: event.target.checked })}
        />{' '}
        {trans.__(
          'Force: update the folder if nb2prod wrote it before (files it did not write are kept, and make it refuse)'
        )}
      </label>
    </div>
  );
}

class ConvertBody
  extends ReactWidget
  implements Dialog.IBodyWidget<IConvertChoice>
{
  constructor(
    private readonly notebook: string,
    initial: IConvertChoice,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.choice = initial;
  }

  getValue(): IConvertChoice {
    return { output: this.choice.output.trim(), force: this.choice.force };
  }

  protected render(): JSX.Element {
    return (
      <TransContext.Provider value={this.trans}>
        <ConvertForm
          notebook={this.notebook}
          initial={this.choice}
          onChange={choice => (this.choice = choice)}
        />
      </TransContext.Provider>
    );
  }

  private choice: IConvertChoice;
}

/** Ask where to convert `notebook`; null when cancelled. */
export async function askConvertChoice(
  notebook: string,
  defaultOutput: string,
  trans: TranslationBundle = untranslated
): Promise<IConvertChoice | null> {
  const result = await showDialog<IConvertChoice>({
    title: trans.__('Convert to Production'),
    body: new ConvertBody(
      notebook,
      { output: defaultOutput, force: false },
      trans
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Convert') })
    ],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept || !result.value) {
    return null;
  }
  return result.value;
}
