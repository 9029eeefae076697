/**
 * How the view models tell the user about failures and results: a sentence inline, and a notification.
 */
import { ApiError } from '../api';

/** Where notifications go: JupyterLab's `Notification` in the panel (see notifications.ts). */
export interface INotifier {
  error(message: string): void;
  success(message: string): void;
  warning(message: string): void;
}

/**
 * What the models need of JupyterLab's `TranslationBundle` (the plugin gives the `jupyter_mlops` one;
 * the models import nothing from JupyterLab).
 */
export interface ITrans {
  __(msgid: string, ...args: unknown[]): string;
}

/** English: `%1`, `%2`… replaced by the arguments, as JupyterLab's untranslated bundle does. */
export const english: ITrans = {
  __: (msgid, ...args) =>
    msgid.replace(/%(\d+)/g, (_, index) => String(args[Number(index) - 1]))
};

/** Turn anything thrown into a sentence for the user (never a stack trace). */
export function errorMessage(error: unknown, trans: ITrans = english): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  console.error('jupyter-mlops:', error);
  return trans.__(
    'Unexpected error in the MLOps panel (details in the browser console).'
  );
}

/** Builds the `describe` callbacks of `AsyncState.load()` and sends the notifications. */
export class Reporter {
  constructor(
    readonly notifier: INotifier,
    /** The strings of the view models, through JupyterLab's translator. */
    readonly trans: ITrans = english
  ) {}

  /** `action: reason`, also shown as an error notification. */
  failure(action: string): (error: unknown) => string {
    return error => {
      const message = this.trans.__(
        '%1: %2',
        action,
        errorMessage(error, this.trans)
      );
      this.notifier.error(message);
      return message;
    };
  }

  /** `action: reason` for inline display only (background refreshes do not notify). */
  quietFailure(action: string): (error: unknown) => string {
    return error =>
      this.trans.__('%1: %2', action, errorMessage(error, this.trans));
  }

  success(message: string): void {
    this.notifier.success(message);
  }

  warning(message: string): void {
    this.notifier.warning(message);
  }
}
