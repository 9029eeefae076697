/**
 * The panel's settings from JupyterLab's settings registry (schema/panel.json), applied now and on
 * every change (Settings Editor, or a settings file).
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

import type { PanelModel } from './models/panel';
import { readSettings } from './models/settings';

/** Load plugin `pluginId`'s settings into `model` and follow their changes. */
export async function followSettings(
  registry: ISettingRegistry,
  pluginId: string,
  model: PanelModel
): Promise<void> {
  let settings: ISettingRegistry.ISettings;
  try {
    settings = await registry.load(pluginId);
  } catch (error) {
    console.error(
      `jupyter-mlops: cannot load the settings of ${pluginId}`,
      error
    );
    return;
  }
  const apply = (): void => model.setSettings(readSettings(settings.composite));
  apply();
  settings.changed.connect(apply);
}
