"""What a cron expression means before anything is written: its wording (cron-descriptor) and the next times
it fires (croniter), in the time zone the engine reads it in.

cron on this machine reads the expression in the machine's local time zone; the Prefect deployment written
here says `timezone: UTC`, and Airflow's default is UTC. jupyter-scheduler users asked for the wording in
the list and the form (jupyter-scheduler #84, #98); it is computed here, on the server, with the same
croniter that validates the expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.schedule import check_cron

UTC_ENGINES = ("prefect", "airflow")
MAX_NEXT_RUNS = 20


@dataclass(frozen=True)
class CronMeaning:
    """A valid expression's wording, the time zone it is read in, its next firing times (ms since epoch)."""

    cron: str
    description: str | None
    timezone: str
    next_runs: list[int]


def engine_timezone(engine: str) -> tzinfo:
    """The zone `engine` reads cron expressions in: UTC for Prefect/Airflow, this machine's zone for cron."""
    if engine in UTC_ENGINES:
        return timezone.utc
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else timezone.utc


def describe(cron: str) -> str | None:
    """`0 3 * * 1` → `At 03:00, only on Monday` (24-hour clock); None when cron-descriptor is missing."""
    try:
        from cron_descriptor import ExpressionDescriptor, Options
    except ImportError:
        return None
    options = Options()
    options.use_24hour_time_format = True
    try:
        return ExpressionDescriptor(cron, options).get_description()
    except Exception:  # cron-descriptor's own parser may refuse what croniter accepts; the times still show
        return None


def next_runs(cron: str, zone: tzinfo, count: int, start: datetime | None = None) -> list[int]:
    """The next `count` times `cron` fires after `start` (default: now), read in `zone`, as ms since epoch."""
    from croniter import croniter

    base = (start or datetime.now(timezone.utc)).astimezone(zone)
    iterator = croniter(cron, base)
    return [round(iterator.get_next(datetime).timestamp() * 1000) for _ in range(count)]


def meaning(cron: str, engine: str = "cron", count: int = 5, start: datetime | None = None) -> CronMeaning:
    """Validate `cron` (BadInputError with the CLI's message) and say what it means for `engine`."""
    if not 1 <= count <= MAX_NEXT_RUNS:
        raise BadInputError(f"count must be between 1 and {MAX_NEXT_RUNS}; got {count}")
    expression = check_cron(cron)
    zone = engine_timezone(engine)
    return CronMeaning(
        cron=expression,
        description=describe(expression),
        timezone=datetime.now(zone).tzname() or "UTC",
        next_runs=next_runs(expression, zone, count, start),
    )
