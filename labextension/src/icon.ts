/**
 * The MLOps sidebar icon (a bar chart), themed like JupyterLab's own icons.
 */
import { LabIcon } from '@jupyterlab/ui-components';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
  '<path d="M3 20h18v2H3zM5 10h3v8H5zm5.5-4h3v12h-3zM16 13h3v5h-3z"/></g></svg>';

export const mlopsIcon = new LabIcon({
  name: 'jupyter-mlops:panel',
  svgstr: ICON_SVG
});
