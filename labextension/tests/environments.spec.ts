import { environmentsOf, originOf } from '../src/models/environments';

describe('environments of a registered version', () => {
  it('lists the environments recorded on a source version, by name', () => {
    const tags = {
      'jupyter_mlops.environment.staging': '@staging',
      'jupyter_mlops.environment.prod': 'https://mlflow-prod.example.com v4',
      'jupyter_mlops.gate.decision': 'promoted'
    };
    expect(environmentsOf(tags)).toEqual([
      { environment: 'prod', where: 'https://mlflow-prod.example.com v4' },
      { environment: 'staging', where: '@staging' }
    ]);
  });

  it('reads where a copy came from, and nothing for a version registered here', () => {
    const tags = {
      'jupyter_mlops.promoted_from.registry': 'http://dev:5000',
      'jupyter_mlops.promoted_from.name': 'churn',
      'jupyter_mlops.promoted_from.version': '3',
      'jupyter_mlops.promoted_by': 'deployer'
    };
    expect(originOf(tags)).toEqual({
      registry: 'http://dev:5000',
      name: 'churn',
      version: '3',
      promotedBy: 'deployer'
    });
    expect(
      originOf({ 'jupyter_mlops.promoted_from.name': 'churn' })
    ).toBeNull();
    expect(environmentsOf({})).toEqual([]);
  });
});
