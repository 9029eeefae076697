"""The CI file of `nb2prod --ci`: a GitHub Actions workflow or a GitLab CI pipeline, written with PyYAML.

Every value that comes from the user (paths, names, the metric) travels as a CI variable; the shell lines are
constant text that reads them quoted ("$PACKAGE_DIR"), so nothing the user typed is pasted into a command.
Jobs: install, the generated tests (parity included), `nb2prod --check` against the notebook; and, on the
schedule, `jupyter-mlops run` with the promotion gate. MLflow's address and credentials come from the CI's
secrets (GitHub) or masked variables (GitLab), never from the file.
"""

from __future__ import annotations

import shlex

from converters.ci import CHAMPION_ALIAS, CiContext
from converters.emit.project import dump_yaml

GITHUB_CHECKOUT = "actions/checkout@v4"
GITHUB_SETUP_PYTHON = "actions/setup-python@v5"
MLFLOW_SECRETS = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")

INSTALL = 'python -m pip install -r "$PACKAGE_DIR/requirements-test.txt" "$JUPYTER_MLOPS_REQUIREMENT"'
RUN_TESTS = 'python -m pytest "$PACKAGE_DIR"'
RETRAIN = (
    'jupyter-mlops run "$PACKAGE_DIR" --register "$MODEL_NAME" --promote "$PROMOTE_ALIAS" '
    '--metric "$GATE_METRIC"'
)


def ci_path(context: CiContext) -> str:
    """Where the CI file goes inside OUTDIR (the provider's own path, right when OUTDIR is the root)."""
    if context.options.provider == "github":
        return f".github/workflows/nb2prod-{context.package}.yml"
    return ".gitlab-ci.yml"


def check_command(context: CiContext) -> str:
    """`nb2prod --check` with the same CI options (constant flags; paths come from variables)."""
    flags = " ".join(_shell_word(flag) for flag in context.options.flags()[2:])
    command = f'nb2prod "$NOTEBOOK" -o "$PACKAGE_DIR" --check --ci {context.options.provider}'
    return f"{command} {flags}".rstrip()


def _shell_word(flag: str) -> str:
    """A flag or a value for the shell line (the metric and cron go through shlex)."""
    return shlex.quote(flag)


def retrain_command(context: CiContext) -> str:
    """`jupyter-mlops run` with the gate."""
    return f"{RETRAIN} --lower-is-better" if context.options.lower_is_better else RETRAIN


def variables(context: CiContext) -> dict[str, str]:
    """The CI variables the shell lines read."""
    return {
        "PACKAGE_DIR": context.package_dir,
        "NOTEBOOK": context.notebook,
        "JUPYTER_MLOPS_REQUIREMENT": context.jupyter_mlops_requirement,
        "MODEL_NAME": context.package,
        "PROMOTE_ALIAS": CHAMPION_ALIAS,
        "GATE_METRIC": context.metric,
    }


def github_workflow(context: CiContext) -> str:
    """`.github/workflows/nb2prod-PACKAGE.yml`."""
    setup = [
        {"uses": GITHUB_CHECKOUT},
        {"uses": GITHUB_SETUP_PYTHON, "with": {"python-version": context.python}},
        {"name": "Install the package and jupyter-mlops", "run": INSTALL},
    ]
    paths = [f"{context.package_dir}/**" if context.package_dir != "." else "**", context.notebook]
    document = {
        "name": f"{context.package} (nb2prod)",
        "on": {
            "push": {"paths": paths},
            "pull_request": {"paths": paths},
            "schedule": [{"cron": context.options.cron}],
            "workflow_dispatch": {},
        },
        "env": variables(context),
        "jobs": {
            "test": {
                "if": "github.event_name != 'schedule'",
                "runs-on": "ubuntu-latest",
                "steps": [
                    *setup,
                    {"name": "Generated tests (parity with the notebook included)", "run": RUN_TESTS},
                    {"name": "Package up to date with the notebook", "run": check_command(context)},
                ],
            },
            "retrain": {
                "if": "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'",
                "runs-on": "ubuntu-latest",
                "env": {name: f"${{{{ secrets.{name} }}}}" for name in MLFLOW_SECRETS},
                "steps": [
                    *setup,
                    {"name": "Retrain; promote only a better model", "run": retrain_command(context)},
                ],
            },
        },
    }
    return dump_yaml(document)


def gitlab_pipeline(context: CiContext) -> str:
    """`.gitlab-ci.yml` (or a file the root one includes: `include: {local: OUTDIR/.gitlab-ci.yml}`)."""
    image = f"python:{context.python}"
    document = {
        "variables": variables(context),
        "nb2prod-test": {
            "stage": "test",
            "image": image,
            "rules": [{"if": '$CI_PIPELINE_SOURCE != "schedule"'}],
            "script": [INSTALL, RUN_TESTS, check_command(context)],
        },
        "nb2prod-retrain": {
            "stage": "deploy",
            "image": image,
            "rules": [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}, {"if": '$CI_PIPELINE_SOURCE == "web"'}],
            "script": [INSTALL, retrain_command(context)],
        },
    }
    return dump_yaml(document)


def ci_file(context: CiContext) -> tuple[str, str]:
    """(path inside OUTDIR, text) of the CI file."""
    text = github_workflow(context) if context.options.provider == "github" else gitlab_pipeline(context)
    return ci_path(context), text


def report_lines(context: CiContext) -> list[str]:
    """What the conversion report says about the CI file."""
    path = ci_path(context)
    gate = f"`{context.metric}` ({'lower' if context.options.lower_is_better else 'higher'} is better)"
    lines = [
        f"- CI ({context.options.provider}): `{path}` — install, the generated tests (parity included), "
        f"`nb2prod --check` against `{context.notebook}`; retraining gated on {gate}, "
        f"promoting `@{CHAMPION_ALIAS}` of `{context.package}`.",
    ]
    if context.options.provider == "github":
        lines.append(
            f"- Schedule `{context.options.cron}` (UTC). Secrets: {', '.join(MLFLOW_SECRETS)}."
            + (
                ""
                if context.at_root
                else f" GitHub reads workflows from the repository root: move `{context.package_dir}/{path}` "
                f"to `{path}`."
            )
        )
    else:
        lines.append(
            "- Schedule: GitLab schedules live in the project (CI/CD → Schedules), "
            f"e.g. `{context.options.cron}`. "
            f"Masked variables: {', '.join(MLFLOW_SECRETS)}."
            + (
                ""
                if context.at_root
                else f" Include it from the root `.gitlab-ci.yml`: `include: [{{local: "
                f"{context.package_dir}/{path}}}]`."
            )
        )
    return lines
