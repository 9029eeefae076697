/**
 * Dialogs: Register model (pick an existing name or type a new one), its result, and confirmations.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { LoggedModelInfo, RegisterResponse } from '../contract';
import { TransContext, untranslated, useTrans } from '../translation';

export interface IRegisterChoice {
  name: string;
  modelId: string | null;
}

function RegisterForm({
  names,
  models,
  initialName,
  onChange
}: {
  names: string[];
  models: LoggedModelInfo[];
  initialName: string;
  onChange: (choice: IRegisterChoice) => void;
}): JSX.Element {
  const trans = useTrans();
  const [name, setName] = useState(initialName);
  const [modelId, setModelId] = useState<string | null>(
    models.length === 1 ? models[0].model_id : (models[0]?.model_id ?? null)
  );
  const update = (nextName: string, nextModel: string | null): void => {
    setName(nextName);
    setModelId(nextModel);
    onChange({ name: nextName, modelId: nextModel });
  };
  return (
    <div className="jp-mlops-register-form">
      <label className="jp-mlops-field">
        {trans.__('Registered model name')}
        <input
          className="jp-mod-styled"
          list="jp-mlops-registered-names"
          aria-label={trans.__('Registered model name')}
          placeholder={
            names.length
              ? trans.__('Pick an existing model or type a new name')
              : trans.__('Type a new name')
          }
          value={name}
          autoFocus
          onChange={event => update(event.target.value, modelId)}
        />
        <datalist id="jp-mlops-registered-names">
          {names.map(item => (
            <option key={item} value={item} />
          ))}
        </datalist>
      </label>
      <p className="jp-mlops-hint">
        {names.includes(name.trim())
          ? trans.__(
              'Adds a new version to the existing model "%1".',
              name.trim()
            )
          : name.trim()
            ? trans.__(
                'Creates the registered model "%1" with version 1.',
                name.trim()
              )
            : trans.__(
                'An existing name adds a version; a new name creates the model.'
              )}
      </p>
      {models.length > 1 && (
        <label className="jp-mlops-field">
          {trans.__('Logged model')}
          <select
            aria-label={trans.__('Logged model')}
            value={modelId ?? ''}
            onChange={event => update(name, event.target.value)}
          >
            {models.map(model => (
              <option key={model.model_id} value={model.model_id}>
                {model.name} ({model.model_id})
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}

class RegisterBody
  extends ReactWidget
  implements Dialog.IBodyWidget<IRegisterChoice>
{
  constructor(
    private readonly names: string[],
    private readonly models: LoggedModelInfo[],
    initialName: string,
    private readonly trans: TranslationBundle
  ) {
    super();
    this.choice = { name: initialName, modelId: models[0]?.model_id ?? null };
  }

  getValue(): IRegisterChoice {
    return { name: this.choice.name.trim(), modelId: this.choice.modelId };
  }

  protected render(): JSX.Element {
    return (
      <TransContext.Provider value={this.trans}>
        <RegisterForm
          names={this.names}
          models={this.models}
          initialName={this.choice.name}
          onChange={choice => (this.choice = choice)}
        />
      </TransContext.Provider>
    );
  }

  private choice: IRegisterChoice;
}

/** Ask for the registered model name; null when cancelled or left empty. */
export async function askRegisterChoice(
  names: string[],
  models: LoggedModelInfo[],
  initialName: string,
  trans: TranslationBundle = untranslated
): Promise<IRegisterChoice | null> {
  const result = await showDialog<IRegisterChoice>({
    title: trans.__('Register model'),
    body: new RegisterBody(names, models, initialName, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Register') })
    ],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept || !result.value || !result.value.name) {
    return null;
  }
  return result.value;
}

/** Show the new version with a link; true when the user asked to open it in the registry view. */
export async function showRegistered(
  answer: RegisterResponse,
  trans: TranslationBundle = untranslated
): Promise<boolean> {
  const { name, version, ui_url } = answer.version;
  const body = (
    <div className="jp-mlops-registered">
      <p>
        {answer.created_registered_model
          ? trans.__('Created the registered model')
          : trans.__('Added a version to')}{' '}
        <strong>{name}</strong>:{' '}
        <strong>{trans.__('version %1', version)}</strong>{' '}
        {trans.__('(status %1).', answer.version.status)}
      </p>
      {ui_url ? (
        <p>
          <a href={ui_url} target="_blank" rel="noopener noreferrer">
            {trans.__('Open %1 version %2 in MLflow', name, version)}
          </a>
        </p>
      ) : (
        <p>
          {trans.__(
            'Load it with mlflow.pyfunc.load_model("models:/%1/%2").',
            name,
            version
          )}
        </p>
      )}
    </div>
  );
  const result = await showDialog({
    title: trans.__('Registered %1 version %2', name, version),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Close') }),
      Dialog.okButton({ label: trans.__('Show in registry') })
    ]
  });
  return result.button.accept;
}

/** Ask before a change to the registry; true when confirmed. */
export async function confirmChange(
  title: string,
  message: string,
  action: string,
  trans: TranslationBundle = untranslated
): Promise<boolean> {
  const result = await showDialog({
    title,
    body: message,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: action })
    ]
  });
  return result.button.accept;
}
