"""`--resume PARENT_RUN_ID`: re-run only the sets of a fan-out that failed or never finished (a "repair run").

Every child run carries its set's key (a hash of its parameter values), so the sets a parent already holds
a FINISHED child for are found in a few paged searches, whatever order the grid or rows are in now; the
other sets run again and log new children into the same parent (the failed children stay, as history).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.notebook_runner import TAG_PREFIX

if TYPE_CHECKING:
    from mlflow.entities import Run

    from jupyter_mlops.core.session import TrackingSession
    from jupyter_mlops.retraining.executors import SetJob
    from jupyter_mlops.retraining.fanout import SetOutcome

SET_KEY_TAG = f"{TAG_PREFIX}.fanout.set_key"
SETS_TAG = f"{TAG_PREFIX}.fanout.sets"
BEST_TAG = f"{TAG_PREFIX}.fanout.best"
FANOUT_RUNNER = "jupyter-mlops run (fan-out)"
PAGE_SIZE = 1000


def set_key(parameters: dict[str, object]) -> str:
    """A short, stable key of one set's parameter values (the same set gets the same key in any run)."""
    text = json.dumps(parameters, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class EarlierAttempt:
    """What the parent run already holds: the sets done (as outcomes) and the children marked best."""

    parent: Run
    done: list[SetOutcome]
    marked_best: set[str]  # run ids tagged best by an earlier attempt (their model is logged)
    orphans: list[str]  # children left RUNNING by a parent that died between creating and ending them


def child_runs(session: TrackingSession, parent_id: str, experiment_id: str) -> list[Run]:
    """Every child run of `parent_id`, paged."""
    runs: list[Run] = []
    token: str | None = None
    while True:
        page = session.call(
            f"list the child runs of {parent_id}",
            lambda client, token=token: client.search_runs(
                [experiment_id],
                filter_string=f"tags.mlflow.parentRunId = '{parent_id}'",
                max_results=PAGE_SIZE,
                page_token=token,
            ),
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def read_earlier_attempt(session: TrackingSession, parent_id: str, jobs: list[SetJob]) -> EarlierAttempt:
    """The parent's finished sets, matched to `jobs` by set key; refuse a run that is not this fan-out."""
    from jupyter_mlops.retraining.fanout import SetOutcome

    if not all(character.isalnum() for character in parent_id):
        raise BadInputError(f"--resume {parent_id!r} is not an MLflow run id")
    try:
        parent = session.call(f"read run {parent_id}", lambda client: client.get_run(parent_id))
    except BadInputError:
        raise
    except Exception as error:
        if "RESOURCE_DOES_NOT_EXIST" not in str(error) and "not found" not in str(error).lower():
            raise
        raise BadInputError(f"--resume {parent_id}: no such run on {session.tracking_uri}") from None
    tags = parent.data.tags
    if tags.get(f"{TAG_PREFIX}.runner") != FANOUT_RUNNER:
        raise BadInputError(f"--resume {parent_id}: not the parent run of a jupyter-mlops fan-out")
    if tags.get(SETS_TAG) != str(len(jobs)):
        raise BadInputError(
            f"--resume {parent_id}: that fan-out had {tags.get(SETS_TAG)} parameter sets, this grid or file "
            f"has {len(jobs)}; give the same --grid/--param-file"
        )
    finished: dict[str, list[Run]] = defaultdict(list)
    marked_best: set[str] = set()
    orphans: list[str] = []
    for run in child_runs(session, parent_id, parent.info.experiment_id):
        key = run.data.tags.get(SET_KEY_TAG)
        if run.info.status == "FINISHED" and key:
            finished[key].append(run)
        if run.data.tags.get(BEST_TAG) == "true":
            marked_best.add(run.info.run_id)
        if run.info.status == "RUNNING":
            orphans.append(run.info.run_id)
    done: list[SetOutcome] = []
    for job in jobs:
        if not finished[job.key]:
            continue
        run = finished[job.key].pop()
        metrics = dict(run.data.metrics)
        duration = metrics.pop("duration_seconds", 0.0)
        done.append(
            SetOutcome(
                job.index,
                job.parameters,
                metrics=metrics,
                duration_seconds=duration,
                run_id=run.info.run_id,
            )
        )
    return EarlierAttempt(parent, done, marked_best, orphans)


def reopen_parent(session: TrackingSession, parent_id: str, *, orphans: list[str]) -> None:
    """Mark the parent RUNNING again while the repair runs, and its orphaned children KILLED (their sets run
    again). A shard passes no orphans: another shard's child may be between its create and end calls."""
    session.call("reopen the parent run", lambda client: client.update_run(parent_id, status="RUNNING"))
    for run_id in orphans:
        session.call(
            "end an orphaned child run",
            lambda client, run_id=run_id: client.set_terminated(run_id, "KILLED"),
        )


def unmark_former_best(session: TrackingSession, marked_best: set[str], best_ids: set[str]) -> None:
    """Remove the best tag from earlier children that are no longer the best of their group."""
    for run_id in sorted(marked_best - best_ids):
        session.call("move the best tag", lambda client, run_id=run_id: client.delete_tag(run_id, BEST_TAG))
