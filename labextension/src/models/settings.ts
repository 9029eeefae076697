/**
 * The panel's user settings (JupyterLab's settings registry, schema/panel.json) read into plain values.
 */

/** What the settings registry holds for `jupyter-mlops:panel` (empty / 0: the server's value). */
export interface IPanelSettings {
  /** Alias names offered as promote buttons (empty: the server's `alias_names`). */
  aliasNames: string[];
  /** Seconds between refresh polls (0: the server's `refresh_seconds`). */
  refreshSeconds: number;
  /** Folder under the Jupyter root for Convert to Production (empty: next to the notebook). */
  defaultOutputFolder: string;
  /** Run, compare and registry open in main-area tabs instead of the sidebar. */
  openViewsInMainArea: boolean;
}

export const DEFAULT_SETTINGS: IPanelSettings = {
  aliasNames: [],
  refreshSeconds: 0,
  defaultOutputFolder: '',
  openViewsInMainArea: false
};

/** MLflow's alias name rule (letters, digits, `_` and `-`), as in the schema. */
const ALIAS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * The settings from the registry's composite (user values over the schema defaults). The registry
 * validates against the schema, but a hand-edited file can still hold odd values: anything unusable
 * falls back to its default, alias names are trimmed and deduplicated, the folder loses its slashes
 * at both ends.
 */
export function readSettings(composite: unknown): IPanelSettings {
  const values = (
    composite && typeof composite === 'object' ? composite : {}
  ) as Record<string, unknown>;
  const aliases = Array.isArray(values.aliasNames)
    ? values.aliasNames
        .filter((name): name is string => typeof name === 'string')
        .map(name => name.trim())
        .filter(name => ALIAS_NAME.test(name))
    : [];
  const seconds = values.refreshSeconds;
  const folder = values.defaultOutputFolder;
  return {
    aliasNames: [...new Set(aliases)],
    refreshSeconds:
      typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
        ? seconds
        : 0,
    defaultOutputFolder:
      typeof folder === 'string' ? folder.trim().replace(/^\/+|\/+$/g, '') : '',
    openViewsInMainArea: values.openViewsInMainArea === true
  };
}
