"""The generated TypeScript contract and docs/api.md tables must match jupyter_mlops/core/contract.py."""

from __future__ import annotations

import dataclasses

from jupyter_mlops.core import contract
from jupyter_mlops.server import contract_ts


def test_generated_files_are_current() -> None:
    stale = contract_ts.stale_files()
    assert not stale, f"regenerate with `python -m jupyter_mlops.server.contract_ts`: {stale}"


def test_check_command_reports_current_files() -> None:
    assert contract_ts.main(["--check"]) == 0


def test_every_endpoint_type_is_a_contract_dataclass() -> None:
    for endpoint in contract.ENDPOINTS:
        for kind in (endpoint.response, endpoint.query, endpoint.body):
            assert kind is None or dataclasses.is_dataclass(kind), endpoint.name
    names = [endpoint.name for endpoint in contract.ENDPOINTS]
    assert len(names) == len(set(names))


def test_typescript_translation_of_annotations() -> None:
    literals = contract_ts.named_literals()
    assert contract_ts.ts_type(dict[str, float | None], literals) == "Record<string, number | null>"
    assert contract_ts.ts_type(list[str | None], literals) == "(string | null)[]"
    assert contract_ts.ts_type(contract.RunStatus, literals) == "RunStatus"
    assert "export interface RunsPage {" in contract_ts.render_ts()
