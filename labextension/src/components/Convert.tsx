/**
 * Convert to Production: the report (steps, inputs → outputs, translations, warnings), a refusal with
 * its cell, and the generated tests' live output and result.
 */
import React, { useEffect, useRef } from 'react';

import type { ConversionReport, PytestJob } from '../contract';
import { refusalPlace } from '../models/convert';
import type { PanelModel } from '../models/panel';

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
  return (
    <>
      <table className="jp-mlops-kv jp-mlops-steps" aria-label="Steps">
        <thead>
          <tr>
            <th>Step</th>
            <th>Cells</th>
            <th>Inputs → outputs</th>
          </tr>
        </thead>
        <tbody>
          {report.steps.map(step => (
            <tr key={step.function_name}>
              <td>
                <code>{step.function_name}</code>
                {step.kind === 'metrics' ? ' (metrics)' : ''}
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
        Parameters:{' '}
        {report.parameters.length
          ? report.parameters
              .map(item => `${item.name}: ${item.type} = ${item.default}`)
              .join(', ')
          : 'none'}
        {' · '}Model: {report.model_variable ?? 'none'}
      </p>
      <Lines
        title="Dropped cells"
        lines={report.dropped.map(
          item => `cell ${item.cell_index}: ${item.reason}`
        )}
      />
      <Lines title="Translations" lines={report.translations} />
      <Lines title="Warnings" lines={report.warnings} />
      <details>
        <summary>{report.files.length} files written</summary>
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
  if (job.status === 'running') {
    return <p className="jp-mlops-hint">Tests running…</p>;
  }
  const counts = job.counts;
  const text = counts
    ? `${counts.passed} passed, ${counts.failed} failed, ${counts.errors} errors, ${counts.skipped} skipped`
    : (job.message ?? `exit code ${job.exit_code}`);
  const label =
    job.status === 'passed'
      ? 'Tests passed'
      : job.status === 'failed'
        ? 'Tests failed'
        : 'Tests could not run';
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
      aria-label="Test output"
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
  const convert = model.convert;
  const answer = convert.result.value;
  const againButton = (
    <button className="jp-mlops-button" onClick={onConvert}>
      Convert to Production…
    </button>
  );
  if (convert.result.isLoading) {
    return (
      <div className="jp-mlops-padded">
        <p className="jp-mlops-hint" role="status">
          Converting…
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
          Turn the open notebook into a tested production package (nb2prod) in a
          folder under the Jupyter root.
        </p>
        {againButton}
      </div>
    );
  }
  const refusal = answer.refusal;
  const place = refusal ? refusalPlace(refusal) : null;
  const run = convert.testRun;
  return (
    <div className="jp-mlops-padded jp-mlops-convert" aria-label="Conversion">
      <div className="jp-mlops-experiment">
        <code>{answer.notebook}</code> → <code>{answer.output}</code>
      </div>
      {convert.result.error && (
        <p className="jp-mlops-error" role="alert">
          {convert.result.error}
        </p>
      )}
      {refusal ? (
        <div className="jp-mlops-error" role="alert" aria-label="Refusal">
          <p>
            <strong>nb2prod refused the notebook</strong> ({refusal.kind}):{' '}
            {refusal.message}
          </p>
          {place && (
            <button
              className="jp-mlops-button"
              onClick={() => void convert.revealRefusal()}
            >
              Show {place}
            </button>
          )}
        </div>
      ) : (
        answer.report && (
          <>
            <p className="jp-mlops-success" role="status">
              Package <code>{answer.report.package}</code> written to{' '}
              <code>{answer.output}</code>.
            </p>
            <Report report={answer.report} />
            <div className="jp-mlops-toolbar">
              <button
                className="jp-mlops-button"
                disabled={convert.isTesting || convert.isStarting}
                onClick={() => void convert.runTests()}
              >
                Run tests
              </button>
            </div>
            {convert.testError && (
              <p className="jp-mlops-error" role="alert">
                {convert.testError}
              </p>
            )}
            {run && (
              <section aria-label="Tests">
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
