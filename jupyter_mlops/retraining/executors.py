"""Where fan-out sets compute: a registry of execution engines (`--engine local | dask`).

An engine takes the sets to run and hands back each set's `SetOutcome` as it finishes, in any order; the
parent (fanout.py) logs the child run when the outcome arrives, so a set retried by the engine is still
logged exactly once. `local` is a process pool on this machine; `dask` is Dask distributed (a scheduler at
`--address`, or a `LocalCluster` of `--workers` processes): Dask reschedules the sets of a worker that dies
(`distributed.scheduler.allowed-failures` times, then `KilledWorker`, reported as that set's failure), and
`retries=` re-runs a set whose task raised. Models and executed notebooks come back as bytes with the
outcome, so workers need no shared folder with the parent — only the target at the same path.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from jupyter_mlops.retraining.errors import BadInputError, MissingExtraError

if TYPE_CHECKING:
    from jupyter_mlops.retraining.fanout import ModelKeeping, SetOutcome

DASK_TASK_RETRIES = 2  # a task that raised (not a set that failed: that is an outcome) runs again
DASK_INSTALL_HINT = "pip install jupyter-mlops[dask]"


@dataclass(frozen=True)
class EngineSettings:
    """What every engine gets: the worker setup and where workers write."""

    keeping: ModelKeeping
    environment: dict[str, str]
    workers: int
    output_dir: str
    capture_root: str
    address: str | None = None


@dataclass(frozen=True)
class SetJob:
    """One parameter set to compute (`key`: stable over runs, see fanout.set_key)."""

    index: int
    key: str
    parameters: dict[str, object]


class SetEngine(Protocol):
    """A running engine: `submit` the sets, iterate `finished` (one outcome per set), `cancel` on error."""

    description: str

    def submit(self, jobs: Sequence[SetJob]) -> None: ...

    def finished(self) -> Iterator[SetOutcome]: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


# -- local: a process pool ----------------------------------------------------------------------------------


@dataclass
class LocalEngine:
    """A process pool on this machine (fork where available); the target is loaded once per process."""

    settings: EngineSettings
    description: str = ""
    _pool: ProcessPoolExecutor | None = None
    _futures: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from jupyter_mlops.retraining.fanout import _init_worker

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(self.settings.keeping, self.settings.environment),
        )
        self.description = f"{self.settings.workers} worker(s)"

    def submit(self, jobs: Sequence[SetJob]) -> None:
        from jupyter_mlops.retraining.fanout import _execute_set

        assert self._pool is not None
        for job in jobs:
            future = self._pool.submit(
                _execute_set, job.index, job.parameters, self.settings.output_dir, self.settings.capture_root
            )
            self._futures[future] = job

    def finished(self) -> Iterator[SetOutcome]:
        from jupyter_mlops.retraining.fanout import SetOutcome

        for future in as_completed(list(self._futures)):
            job = self._futures.pop(future)
            try:
                yield future.result()
            except Exception as error:  # a worker process died: that set failed, the rest go on
                yield SetOutcome(job.index, job.parameters, error=f"worker died: {error}")

    def cancel(self) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=True)


# -- dask: Dask distributed ---------------------------------------------------------------------------------


def _dask_execute_set(
    job: SetJob,
    keeping: ModelKeeping,
    environment: dict[str, str],
    output_dir: str,
    capture_root: str,
) -> tuple[SetOutcome, bytes | None, bytes | None]:
    """Run on a Dask worker: load the target once per worker process, compute the set, and return the outcome
    with the model file's and executed notebook's bytes (the parent may not share this worker's disk)."""
    from jupyter_mlops.retraining import fanout

    if fanout._WORKER is None or fanout._WORKER.context != keeping:
        Path(keeping.model_dir).mkdir(parents=True, exist_ok=True)
        fanout._init_worker(keeping, environment)
    outcome = fanout._execute_set(job.index, job.parameters, output_dir, capture_root)
    model = notebook = None
    if outcome.model_path and Path(outcome.model_path).exists():
        model = Path(outcome.model_path).read_bytes()
    if outcome.executed_notebook and Path(outcome.executed_notebook).exists():
        notebook = Path(outcome.executed_notebook).read_bytes()
    return outcome, model, notebook


def _place_file(path: str | None, content: bytes | None) -> str | None:
    """Write a file a worker returned at its path on this machine, unless it is already there (same host)."""
    if path is None or content is None:
        return path
    local = Path(path)
    if not local.exists():
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(content)
    return path


@dataclass
class DaskEngine:
    """Dask distributed: a scheduler at `settings.address`, or a LocalCluster of `settings.workers` processes
    (one thread each: a worker keeps the best model per group, as a pool process does)."""

    settings: EngineSettings
    description: str = ""
    _cluster: object | None = None
    _client: object | None = None
    _futures: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise MissingExtraError(f"--engine dask needs Dask distributed: {DASK_INSTALL_HINT}") from None
        address = self.settings.address
        if address is None:
            self._cluster = LocalCluster(
                n_workers=self.settings.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port: never 8787, which another cluster may hold
            )
            self._client = Client(self._cluster)
            self.description = f"a Dask LocalCluster of {self.settings.workers} worker process(es)"
        else:
            try:
                self._client = Client(address, timeout="20s")
            except (OSError, TimeoutError) as error:
                raise BadInputError(
                    f"--address {address}: no Dask scheduler answers there ({error})"
                ) from None
            count = len(self._client.scheduler_info(n_workers=-1)["workers"])  # type: ignore[attr-defined]
            self.description = f"the Dask scheduler at {address} ({count} worker(s) now)"

    def submit(self, jobs: Sequence[SetJob]) -> None:
        """Every set in one `Client.map`: one graph update for the scheduler, not one message per set."""
        if not jobs:
            return
        settings = self.settings
        futures = self._client.map(  # type: ignore[attr-defined]
            _dask_execute_set,
            jobs,
            keeping=settings.keeping,
            environment=settings.environment,
            output_dir=settings.output_dir,
            capture_root=settings.capture_root,
            key=[f"jupyter-mlops-set-{job.index:05d}-{job.key}-{os.getpid()}" for job in jobs],
            pure=False,
            retries=DASK_TASK_RETRIES,
        )
        self._futures.update(zip(futures, jobs, strict=True))

    def finished(self) -> Iterator[SetOutcome]:
        from distributed import as_completed as dask_as_completed

        from jupyter_mlops.retraining.fanout import SetOutcome

        for future in dask_as_completed(list(self._futures)):
            job = self._futures.pop(future)
            try:
                outcome, model, notebook = future.result()
            except Exception as error:  # KilledWorker after allowed-failures, or retries used up
                yield SetOutcome(job.index, job.parameters, error=f"{type(error).__name__}: {error}")
                continue
            finally:
                future.release()
            outcome.model_path = _place_file(outcome.model_path, model)
            outcome.executed_notebook = _place_file(outcome.executed_notebook, notebook)
            yield outcome

    def cancel(self) -> None:
        if self._futures:
            self._client.cancel(list(self._futures))  # type: ignore[attr-defined]
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # type: ignore[attr-defined]
            self._client = None
        if self._cluster is not None:
            self._cluster.close()  # type: ignore[attr-defined]
            self._cluster = None


ENGINES: dict[str, Callable[[EngineSettings], SetEngine]] = {"local": LocalEngine, "dask": DaskEngine}


def open_engine(name: str, settings: EngineSettings) -> SetEngine:
    """Start the engine `--engine NAME` selects."""
    if name not in ENGINES:
        raise BadInputError(f"--engine {name!r}: choose one of {', '.join(ENGINES)}")
    if settings.address is not None and name != "dask":
        raise BadInputError("--address names a Dask scheduler; it goes with --engine dask")
    return ENGINES[name](settings)
