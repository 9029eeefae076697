/**
 * The panel's strings through JupyterLab's `ITranslator` (domain `jupyter_mlops`): the widgets provide
 * the bundle, components read it with `useTrans()`.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import React, { useContext } from 'react';

/** The gettext domain of this extension's strings. */
export const TRANSLATION_DOMAIN = 'jupyter_mlops';

/** English, untranslated: the default when no translator is given (never used to mark strings). */
// eslint-disable-next-line jupyter/incorrect-translator-usage -- a default value, not a string source
export const untranslated: TranslationBundle =
  nullTranslator.load(TRANSLATION_DOMAIN);

export const TransContext =
  React.createContext<TranslationBundle>(untranslated);

/** The translation bundle of the widget this component renders in. */
export function useTrans(): TranslationBundle {
  return useContext(TransContext);
}
