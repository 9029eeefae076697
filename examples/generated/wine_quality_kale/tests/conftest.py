"""Fixtures of the tests nb2prod generated for `wine_quality_kale`: the package on sys.path, one seeded run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

from wine_quality_kale import pipeline  # noqa: E402
from wine_quality_kale.testing import freeze, seeded_run  # noqa: E402


@pytest.fixture(autouse=True)
def in_the_notebook_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs where the notebook ran (NB2PROD_WORKDIR overrides), so relative paths resolve."""
    monkeypatch.chdir(pipeline.working_directory())


@pytest.fixture(scope="session")
def step_outputs() -> dict[str, dict[str, object]]:
    """Every step's outputs, frozen right after the step, from one seeded run."""
    outputs: dict[str, dict[str, object]] = {}
    seeded_run(after_step=lambda step, produced: outputs.__setitem__(step.name, freeze(produced)))
    return outputs


@pytest.fixture(scope="session")
def results() -> dict[str, object]:
    """The results of one seeded pipeline run (what the test cells assert on)."""
    return seeded_run()
