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

/** Turn anything thrown into a sentence for the user (never a stack trace). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  console.error('jupyter-mlops:', error);
  return 'Unexpected error in the MLOps panel (details in the browser console).';
}

/** Builds the `describe` callbacks of `AsyncState.load()` and sends the notifications. */
export class Reporter {
  constructor(readonly notifier: INotifier) {}

  /** `action: reason`, also shown as an error notification. */
  failure(action: string): (error: unknown) => string {
    return error => {
      const message = `${action}: ${errorMessage(error)}`;
      this.notifier.error(message);
      return message;
    };
  }

  /** `action: reason` for inline display only (background refreshes do not notify). */
  quietFailure(action: string): (error: unknown) => string {
    return error => `${action}: ${errorMessage(error)}`;
  }

  success(message: string): void {
    this.notifier.success(message);
  }

  warning(message: string): void {
    this.notifier.warning(message);
  }
}
