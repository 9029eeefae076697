import {
  isStepName,
  placesOf,
  readTags,
  stepColors,
  stepNames,
  STEP_COLORS,
  withModel,
  withPlannedSteps,
  withRole
} from '../src/models/cellTags';

const code = (...tags: string[]) => ({ cellType: 'code', tags });

describe('withRole', () => {
  it('writes the tag nb2prod reads and replaces the other role', () => {
    expect(withRole([], 'parameters')).toEqual(['parameters']);
    expect(withRole(['imports', 'hide-input'], 'functions')).toEqual([
      'functions',
      'hide-input'
    ]);
    expect(withRole(['pipeline-metrics'], 'step', 'train')).toEqual([
      'step:train'
    ]);
  });

  it('moves a cell to another step and keeps its prev: links', () => {
    expect(withRole(['step:load', 'prev:clean'], 'step', 'train')).toEqual([
      'step:train',
      'prev:clean'
    ]);
  });

  it('drops prev: links when the cell stops being a step', () => {
    expect(withRole(['step:load', 'prev:clean', 'model:clf'], 'skip')).toEqual([
      'skip',
      'model:clf'
    ]);
  });

  it('toggles the role the cell already has off', () => {
    expect(withRole(['test'], 'test')).toEqual([]);
    expect(withRole(['block:train', 'prev:a'], 'step', 'train')).toEqual([]);
  });

  it('keeps a misspelled tag for nb2prod to flag', () => {
    expect(withRole(['setp:train'], 'metrics')).toEqual([
      'metrics',
      'setp:train'
    ]);
  });

  it('refuses a step without a name', () => {
    expect(() => withRole([], 'step')).toThrow('step name');
  });
});

describe('withModel', () => {
  it('sets, replaces and removes the model variable', () => {
    expect(withModel(['step:train'], 'clf')).toEqual([
      'step:train',
      'model:clf'
    ]);
    expect(withModel(['model:old', 'step:train'], 'clf')).toEqual([
      'step:train',
      'model:clf'
    ]);
    expect(withModel(['model:clf'], null)).toEqual([]);
  });
});

describe('readTags', () => {
  it('reads role, step, model and prev: links, aliases included', () => {
    expect(readTags(['block:train', 'prev:a;b', 'model:clf'])).toEqual({
      role: 'step',
      step: 'train',
      model: 'clf',
      prev: ['a', 'b']
    });
    expect(readTags(['pipeline-parameters']).role).toBe('parameters');
    expect(readTags(['remove-cell']).role).toBeNull();
  });
});

describe('placesOf', () => {
  it('lets untagged code cells join the step above, as nb2prod groups them', () => {
    const places = placesOf([
      code('parameters'),
      code('imports'),
      code(),
      code('step:load'),
      code(),
      { cellType: 'markdown', tags: [] },
      code('step:train'),
      code('metrics'),
      code(),
      code('metrics'),
      code('test'),
      code()
    ]);
    expect(places.map(place => [place.step, place.continues])).toEqual([
      [null, false],
      [null, false],
      [null, false],
      ['load', false],
      ['load', true],
      [null, false],
      ['train', false],
      ['compute_metrics', false],
      ['compute_metrics', true],
      ['compute_metrics_2', false],
      [null, false],
      ['compute_metrics_2', true]
    ]);
    expect(places[10].role).toBe('test');
  });

  it('gives each step a colour by first appearance', () => {
    const colors = stepColors(
      placesOf([code('step:a'), code('step:b'), code('step:a')])
    );
    expect([...colors]).toEqual([
      ['a', STEP_COLORS[0]],
      ['b', STEP_COLORS[1]]
    ]);
  });
});

describe('step names', () => {
  it('lists the tagged steps once, in notebook order', () => {
    expect(
      stepNames([code('step:b'), code('step:a'), code('step:b'), code('skip')])
    ).toEqual(['b', 'a']);
  });

  it('accepts Python identifiers only', () => {
    expect(isStepName('train_2')).toBe(true);
    expect(isStepName('2train')).toBe(false);
    expect(isStepName('train model')).toBe(false);
  });
});

describe('withPlannedSteps', () => {
  it('fills in the steps nb2prod found where the tags say nothing', () => {
    const places = placesOf([
      { cellType: 'markdown', tags: [] },
      code(),
      code('skip'),
      code(),
      code('step:train')
    ]);
    const filled = withPlannedSteps(places, [
      { name: 'load_the_data', cells: [1, 3] },
      { name: 'train', cells: [4] }
    ]);
    expect(filled.map(place => [place.role, place.step])).toEqual([
      [null, null],
      [null, 'load_the_data'],
      ['skip', null],
      [null, 'load_the_data'],
      ['step', 'train']
    ]);
  });
});
