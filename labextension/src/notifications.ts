/**
 * The view models' notifications as JupyterLab toasts.
 */
import { Notification } from '@jupyterlab/apputils';

import type { INotifier } from './models/report';

/** Errors stay 10 s, results 5 s, hints 4 s. */
export const labNotifier: INotifier = {
  error: message => {
    Notification.error(message, { autoClose: 10000 });
  },
  success: message => {
    Notification.success(message, { autoClose: 5000 });
  },
  warning: message => {
    Notification.warning(message, { autoClose: 4000 });
  }
};
