/**
 * The Convert to Production dialog: output folder under the Jupyter root (prefilled next to the
 * notebook) and Force (update a folder nb2prod wrote before).
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import React, { useState } from 'react';

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
  const [choice, setChoice] = useState(initial);
  const update = (next: IConvertChoice): void => {
    setChoice(next);
    onChange(next);
  };
  return (
    <div className="jp-mlops-convert-form">
      <p className="jp-mlops-hint">
        nb2prod turns <code>{notebook}</code> into a tested Python package: one
        function per step, an MLflow-tracked pipeline and its tests.
      </p>
      <label className="jp-mlops-field">
        Output folder (under the Jupyter root)
        <input
          className="jp-mod-styled"
          aria-label="Output folder"
          value={choice.output}
          autoFocus
          onChange={event => update({ ...choice, output: event.target.value })}
        />
      </label>
      <label>
        <input
          type="checkbox"
          aria-label="Force"
          checked={choice.force}
          onChange={event => update({ ...choice, force: event.target.checked })}
        />{' '}
        Force: update the folder if nb2prod wrote it before (files it did not
        write are kept, and make it refuse)
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
    initial: IConvertChoice
  ) {
    super();
    this.choice = initial;
  }

  getValue(): IConvertChoice {
    return { output: this.choice.output.trim(), force: this.choice.force };
  }

  protected render(): JSX.Element {
    return (
      <ConvertForm
        notebook={this.notebook}
        initial={this.choice}
        onChange={choice => (this.choice = choice)}
      />
    );
  }

  private choice: IConvertChoice;
}

/** Ask where to convert `notebook`; null when cancelled. */
export async function askConvertChoice(
  notebook: string,
  defaultOutput: string
): Promise<IConvertChoice | null> {
  const result = await showDialog<IConvertChoice>({
    title: 'Convert to Production',
    body: new ConvertBody(notebook, { output: defaultOutput, force: false }),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Convert' })],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept || !result.value) {
    return null;
  }
  return result.value;
}
