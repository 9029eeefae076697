import { ApiError } from '../src/api';
import type { ModelSignatureResponse } from '../src/contract';
import {
  ModelSignatureModel,
  describeColumn,
  summarizeSignature
} from '../src/models/modelSignature';
import { Reporter } from '../src/models/report';
import { FakeServer, RecordingNotifier, deferred } from './fakeServer';

const SIGNED: ModelSignatureResponse = {
  model_id: 'm-1',
  has_signature: true,
  inputs: [
    { name: 'width', type: 'double', required: true },
    { name: 'count', type: 'long', required: false }
  ],
  outputs: [{ name: null, type: 'tensor float64 (-1,)', required: true }],
  params: [],
  has_input_example: true
};

function makeModel(server: FakeServer): ModelSignatureModel {
  return new ModelSignatureModel(
    server.client(),
    new Reporter(new RecordingNotifier())
  );
}

describe('signature text', () => {
  it('names each column with its type, optional ones marked', () => {
    expect(SIGNED.inputs.map(describeColumn)).toEqual([
      'width: double',
      'count: long?'
    ]);
    expect(summarizeSignature(SIGNED)).toBe(
      '(width: double, count: long?) → tensor float64 (-1,)'
    );
  });

  it('says when a model was logged without a signature', () => {
    const unsigned = {
      ...SIGNED,
      has_signature: false,
      inputs: [],
      outputs: []
    };
    expect(summarizeSignature(unsigned)).toBe(
      'Logged without a signature: its columns and types are unknown.'
    );
  });
});

describe('ModelSignatureModel', () => {
  it('fetches a signature on first open only, and hides it on the second toggle', async () => {
    const server = new FakeServer().on('GET', 'models/signature', call => ({
      ...SIGNED,
      model_id: call.query.model_id
    }));
    const model = makeModel(server);
    await model.toggle('m-1');
    expect(model.isOpen('m-1')).toBe(true);
    expect(model.state('m-1')?.value?.inputs).toEqual(SIGNED.inputs);
    expect(server.callsTo('GET', 'models/signature')).toEqual([
      {
        method: 'GET',
        path: 'models/signature',
        query: { model_id: 'm-1' },
        body: null
      }
    ]);
    await model.toggle('m-1');
    expect(model.isOpen('m-1')).toBe(false);
    await model.toggle('m-1');
    expect(model.isOpen('m-1')).toBe(true);
    expect(server.callsTo('GET', 'models/signature')).toHaveLength(1);
    expect(model.isOpen('m-2')).toBe(false);
    expect(model.state('m-2')).toBeNull();
    model.dispose();
  });

  it('shows a failure inline and asks again on the next open', async () => {
    let fail = true;
    const server = new FakeServer().on('GET', 'models/signature', () => {
      if (fail) {
        throw new ApiError(404, 'not_found', "Model 'm-9' does not exist.");
      }
      return { ...SIGNED, model_id: 'm-9' };
    });
    const model = makeModel(server);
    await model.toggle('m-9');
    expect(model.state('m-9')?.error).toBe(
      "Cannot read the signature of m-9: Model 'm-9' does not exist."
    );
    await model.toggle('m-9');
    fail = false;
    await model.toggle('m-9');
    expect(model.state('m-9')?.value?.model_id).toBe('m-9');
    expect(server.callsTo('GET', 'models/signature')).toHaveLength(2);
    model.dispose();
  });

  it('emits while loading and when the answer arrives', async () => {
    const answer = deferred<ModelSignatureResponse>();
    const server = new FakeServer().on(
      'GET',
      'models/signature',
      () => answer.promise
    );
    const model = makeModel(server);
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    const opening = model.toggle('m-1');
    expect(model.state('m-1')?.isLoading).toBe(true);
    const beforeAnswer = changes;
    answer.resolve(SIGNED);
    await opening;
    expect(changes).toBeGreaterThan(beforeAnswer);
    expect(model.state('m-1')?.isLoading).toBe(false);
    model.dispose();
    expect(model.isDisposed).toBe(true);
  });
});
