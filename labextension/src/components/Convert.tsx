/**
 * Convert to Production: the report (steps, inputs → outputs, translations, warnings), a refusal with
 * its cell, and the generated tests' live output and result.
 */
import React, { useEffect, useRef } from 'react';

import type { ConversionReport, PytestJob } from '../contract';
import { refusalPlace } from '../models/convert';
import type { PanelModel } from '../models/panel';
import { useTrans } from '../translation';

function names(values: string[]): string {
  return values.length ? values.join(', ') : '—';
}

function Lines({
  title,
  lines
}: {
  title: string;
  lines: string[];
}): JSX.Element | null {
  if (!lines.length) {
    return null;
  }
  return (
    <section className="jp-mlops-section" aria-label={title}>
      <h3>{title}</h3>
      <ul className="jp-mlops-convert-list">
        {lines.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ul>
    </section>
  );
}

function Report({ report }: { report: ConversionReport }): JSX.Element {
  const trans = useTrans();
  return (
    <>
      <table
        className="jp-mlops-kv jp-mlops-steps"
        aria-label={trans.__('Steps')}
      >
        <thead>
          <tr>
            <th>{trans.__('Step')}</th>
            <th>{trans.__('Cells')}</th>
            <th>{trans.__('Inputs → outputs')}</th>
          </tr>
        </thead>
        <tbody>
          {report.steps.map(step => (
            <tr key={step.function_name}>
              <td>
                <code>{step.function_name}</code>
                {step.kind === 'metrics' ? ` ${trans.__('(metrics)')}` : ''}
              </td>
              <td>{step.cells.join(', ')}</td>
              <td>
                {names(step.inputs)} → {names(step.outputs)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="jp-mlops-hint">
        {trans.__(
          'Parameters: %1',
          report.parameters.length
            ? report.parameters
                .map(item => `${item.name}: ${item.type} = ${item.default}`)
                .join(', ')
            : trans.__('none')
        )}
        {' · '}
        {trans.__('Model: %1', report.model_variable ?? trans.__('none'))}
      </p>
      <Lines
        title={trans.__('Dropped cells')}
        lines={report.dropped.map(item =>
          trans.__('cell %1: %2', item.cell_index, item.reason)
        )}
      />
      <Lines title={trans.__('Translations')} lines={report.translations} />
      <Lines title={trans.__('Warnings')} lines={report.warnings} />
      <details>
        <summary>
          {trans._n('%1 file written', '%1 files written', report.files.length)}
        </summary>
        <ul className="jp-mlops-convert-list">
          {report.files.map(file => (
            <li key={file}>
              <code>{file}</code>
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}

function TestResult({ job }: { job: PytestJob }): JSX.Element {
  const trans = useTrans();
  if (job.status === 'running') {
    return <p className="jp-mlops-hint">{trans.__('Tests running…')}</p>;
  }
  const counts = job.counts;
  const text = counts
    ? trans.__(
        '%1 passed, %2 failed, %3 errors, %4 skipped',
        counts.passed,
        counts.failed,
        counts.errors,
        counts.skipped
      )
    : (job.message ?? trans.__('exit code %1', job.exit_code));
  const label =
    job.status === 'passed'
      ? trans.__('Tests passed')
      : job.status === 'failed'
        ? trans.__('Tests failed')
        : trans.__('Tests could not run');
  return (
    <p
      className={
        job.status === 'passed' ? 'jp-mlops-success' : 'jp-mlops-error'
      }
      role="status"
    >
      {label}: {text}
    </p>
  );
}

function TestLog({ lines }: { lines: string[] }): JSX.Element {
  const trans = useTrans();
  const end = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const element = end.current;
    if (element) {
      element.scrollTop = element.scrollHeight;
    }
  }, [lines.length]);
  return (
    <pre
      className="jp-mlops-test-log"
      ref={end}
      aria-label={trans.__('Test output')}
      tabIndex={0}
    >
      {lines.join('\n')}
    </pre>
  );
}

export function ConvertView({
  model,
  onConvert
}: {
  model: PanelModel;
  onConvert: () => void;
}): JSX.Element {
  const trans = useTrans();
  const convert = model.convert;
  const answer = convert.result.value;
  const againButton = (
    <button className="jp-mlops-button" onClick={onConvert}>
      {trans.__('Convert to Production…')}
    </button>
  );
  if (convert.result.isLoading) {
    return (
      <div className="jp-mlops-padded">
        <p className="jp-mlops-hint" role="status">
          {trans.__('Converting…')}
        </p>
      </div>
    );
  }
  if (convert.result.error && !answer) {
    return (
      <div className="jp-mlops-padded">
        <p className="jp-mlops-error" role="alert">
          {convert.result.error}
        </p>
        {againButton}
      </div>
    );
  }
  if (!answer) {
    return (
      <div className="jp-mlops-padded">
        <p className="jp-mlops-hint">
          {trans.__(
            'Turn the open notebook into a tested production package (nb2prod) in a folder under the Jupyter root.'
          )}
        </p>
        {againButton}
      </div>
    );
  }
  const refusal = answer.refusal;
  const place = refusal ? refusalPlace(refusal, trans) : null;
  const run = convert.testRun;
  return (
    <div
      className="jp-mlops-padded jp-mlops-convert"
      aria-label={trans.__('Conversion')}
    >
      <div className="jp-mlops-experiment">
        <code>{answer.notebook}</code> → <code>{answer.output}</code>
      </div>
      {convert.result.error && (
        <p className="jp-mlops-error" role="alert">
          {convert.result.error}
        </p>
      )}
      {refusal ? (
        <div
          className="jp-mlops-error"
          role="alert"
          aria-label={trans.__('Refusal')}
        >
          <p>
            <strong>{trans.__('nb2prod refused the notebook')}</strong> (
            {refusal.kind}): {refusal.message}
          </p>
          {place && (
            <button
              className="jp-mlops-button"
              onClick={() => void convert.revealRefusal()}
            >
              {trans.__('Show %1', place)}
            </button>
          )}
        </div>
      ) : (
        answer.report && (
          <>
            <p className="jp-mlops-success" role="status">
              {trans.__('Package')} <code>{answer.report.package}</code>{' '}
              {trans.__('written to')} <code>{answer.output}</code>.
            </p>
            <Report report={answer.report} />
            <div className="jp-mlops-toolbar">
              <button
                className="jp-mlops-button"
                disabled={convert.isTesting || convert.isStarting}
                onClick={() => void convert.runTests()}
              >
                {trans.__('Run tests')}
              </button>
            </div>
            {convert.testError && (
              <p className="jp-mlops-error" role="alert">
                {convert.testError}
              </p>
            )}
            {run && (
              <section aria-label={trans.__('Tests')}>
                <TestResult job={run.job} />
                <TestLog lines={run.lines} />
              </section>
            )}
          </>
        )
      )}
      <div className="jp-mlops-toolbar">{againButton}</div>
    </div>
  );
}
