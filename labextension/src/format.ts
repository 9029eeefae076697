/**
 * Display helpers for times, durations and metric values.
 */

/** `2026-11-23 16:05:12` in the browser's time zone, or an en dash. */
export function formatTime(millis: number | null | undefined): string {
  if (millis === null || millis === undefined) {
    return '–';
  }
  const date = new Date(millis);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(millis: number | null | undefined): string {
  if (millis === null || millis === undefined) {
    return '–';
  }
  if (millis < 1000) {
    return `${Math.round(millis)} ms`;
  }
  const seconds = millis / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Metric values with up to 4 significant decimals; null (NaN/inf on the server) as an en dash. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '–';
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  return Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3
    ? value.toExponential(3)
    : String(Number(value.toPrecision(4)));
}

/** Byte counts as `1.2 kB`. */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) {
    return '';
  }
  const units = ['B', 'kB', 'MB', 'GB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? size : size.toFixed(1)} ${units[unit]}`;
}
