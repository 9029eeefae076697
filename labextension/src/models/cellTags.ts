/**
 * The nb2prod tag vocabulary (converters/tags.py) as the tagging toolbar writes it, and what a notebook's
 * tags say about each cell: its role and the step it belongs to, for the coloured gutter.
 *
 * The server runs nb2prod itself to flag misspelled or conflicting tags; this module only writes
 * well-formed tags and mirrors how untagged code cells join the step above them.
 */

/** The roles a cell can have (one per cell), in the order the toolbar shows them. */
export const ROLES = [
  'parameters',
  'imports',
  'functions',
  'step',
  'metrics',
  'test',
  'skip'
] as const;
export type Role = (typeof ROLES)[number];

/** Tag names (and aliases, as nb2prod accepts them) → the role they give. */
const ROLE_OF_TAG: Record<string, Role> = {
  parameters: 'parameters',
  'pipeline-parameters': 'parameters',
  imports: 'imports',
  functions: 'functions',
  step: 'step',
  block: 'step',
  metrics: 'metrics',
  'pipeline-metrics': 'metrics',
  test: 'test',
  skip: 'skip'
};

/** A cell as far as tagging is concerned. */
export interface ITaggedCell {
  cellType: string;
  tags: readonly string[];
}

/** What one cell's tags say (the first role tag wins; nb2prod flags a second one). */
export interface ICellTagInfo {
  role: Role | null;
  step: string | null;
  model: string | null;
  prev: string[];
}

function splitTag(tag: string): [string, string | null] {
  const trimmed = tag.trim();
  const colon = trimmed.indexOf(':');
  return colon < 0
    ? [trimmed, null]
    : [trimmed.slice(0, colon), trimmed.slice(colon + 1).trim()];
}

/** Read one cell's tags. */
export function readTags(tags: readonly string[]): ICellTagInfo {
  const info: ICellTagInfo = { role: null, step: null, model: null, prev: [] };
  for (const tag of tags) {
    const [head, value] = splitTag(tag);
    if (head === 'model' && value) {
      info.model = value;
    } else if (head === 'prev' && value) {
      info.prev.push(...value.split(/[;,]/).map(part => part.trim()));
    } else if (ROLE_OF_TAG[head] && info.role === null) {
      info.role = ROLE_OF_TAG[head];
      if (info.role === 'step') {
        info.step = value || null;
      }
    }
  }
  info.prev = info.prev.filter(Boolean);
  return info;
}

function isRoleTag(tag: string): boolean {
  return ROLE_OF_TAG[splitTag(tag)[0]] !== undefined;
}

function isPrevTag(tag: string): boolean {
  return splitTag(tag)[0] === 'prev';
}

/**
 * The tags after one click on `role` (with `step` for a step): the cell's other role tags are replaced
 * (a cell has one role), `prev:` links are kept only on a step, other tags are kept. Clicking the role the
 * cell already has (the same step, for a step) removes it.
 */
export function withRole(
  tags: readonly string[],
  role: Role,
  step: string | null = null
): string[] {
  const current = readTags(tags);
  const same =
    current.role === role && (role !== 'step' || current.step === step);
  const keepsPrev = role === 'step' && !same;
  const kept = tags.filter(
    tag => !isRoleTag(tag) && (keepsPrev || !isPrevTag(tag))
  );
  if (same) {
    return kept;
  }
  if (role === 'step') {
    if (!step) {
      throw new Error('A step tag needs a step name.');
    }
    return [`step:${step}`, ...kept];
  }
  return [role, ...kept];
}

/** The tags with `model:VARIABLE` set (null removes it); the cell keeps its role. */
export function withModel(
  tags: readonly string[],
  variable: string | null
): string[] {
  const kept = tags.filter(tag => splitTag(tag)[0] !== 'model');
  return variable ? [...kept, `model:${variable}`] : kept;
}

/** Whether `name` can name a step (a Python identifier, as nb2prod requires). */
export function isStepName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** Where a cell goes in the pipeline, as the gutter shows it. */
export interface ICellPlace {
  /** The cell's own role tag, or null for an untagged cell. */
  role: Role | null;
  /** The step (or metrics unit) the cell's code runs in, or null. */
  step: string | null;
  /** An untagged code cell that joins the step above it. */
  continues: boolean;
}

/**
 * Each cell's place, as nb2prod's tagged mode groups cells: a `step:` cell starts (or continues) its step,
 * untagged code cells continue the step or metrics unit above them; imports/functions cells stop it.
 */
export function placesOf(cells: readonly ITaggedCell[]): ICellPlace[] {
  let current: string | null = null;
  let metricsUnits = 0;
  return cells.map(cell => {
    const info = readTags(cell.tags);
    if (cell.cellType !== 'code') {
      return { role: info.role, step: null, continues: false };
    }
    switch (info.role) {
      case 'step':
        current = info.step;
        return { role: 'step', step: current, continues: false };
      case 'metrics':
        metricsUnits += 1;
        current =
          metricsUnits === 1
            ? 'compute_metrics'
            : `compute_metrics_${metricsUnits}`;
        return { role: 'metrics', step: current, continues: false };
      case 'imports':
      case 'functions':
        current = null;
        return { role: info.role, step: null, continues: false };
      case null:
        return { role: null, step: current, continues: current !== null };
      default:
        return { role: info.role, step: null, continues: false };
    }
  });
}

/**
 * `places` with the steps nb2prod planned filled in where the tags say nothing: a notebook without `step:`
 * tags gets its steps from its level-2 headings, and code before the first step runs in `setup`/`main`.
 * `planned` maps step names to their cell indices (the server's plan of the same cells).
 */
export function withPlannedSteps(
  places: readonly ICellPlace[],
  planned: readonly { name: string; cells: readonly number[] }[]
): ICellPlace[] {
  const stepOf = new Map<number, string>();
  for (const step of planned) {
    for (const cell of step.cells) {
      stepOf.set(cell, step.name);
    }
  }
  return places.map((place, index) => {
    const step = stepOf.get(index);
    return place.step === null && place.role === null && step
      ? { role: null, step, continues: false }
      : place;
  });
}

/** The step names the cells' tags name, in notebook order (for the toolbar's step picker). */
export function stepNames(cells: readonly ITaggedCell[]): string[] {
  const names: string[] = [];
  for (const cell of cells) {
    const step = readTags(cell.tags).step;
    if (step && !names.includes(step)) {
      names.push(step);
    }
  }
  return names;
}

/** Colours of the steps (colour-blind-safe Okabe–Ito, then Tableau), by order of first appearance. */
export const STEP_COLORS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#7f7f7f',
  '#8c564b',
  '#17becf'
];

/** step name → colour, by the order the steps first appear in `places`. */
export function stepColors(places: readonly ICellPlace[]): Map<string, string> {
  const colors = new Map<string, string>();
  for (const place of places) {
    if (place.step && !colors.has(place.step)) {
      colors.set(place.step, STEP_COLORS[colors.size % STEP_COLORS.length]);
    }
  }
  return colors;
}
