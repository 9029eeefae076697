"""Test helpers of `diabetes_regression` (from nb2prod): per-step seeds, snapshots, structural comparison.

Values are compared by what they hold, never by identity: containers item by item, floats within the
tolerance below, arrays and frames element by element, estimators by parameters and fitted attributes,
boosters and networks by their weights, figures by their data, any other object by its pickled state.
What cannot be compared (a generator, a lock, an open file, a connection) is reported as *not compared,
because ...*, never counted as equal or different.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import io
import math
import pickle
import re
import socket
import threading
import types
import warnings
import weakref
import zlib
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from diabetes_regression import pipeline

# Floats (scalars, arrays, DataFrames) compare within these tolerances; everything else exactly.
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12
MAX_DEPTH = 100  # deeper values are reported as not compared (a very long linked chain)
MAX_MISMATCHES = 20  # per comparison; the rest are counted
_ADDRESS = re.compile(r"\s+at 0x[0-9a-fA-F]+|0x[0-9a-fA-F]{6,}")  # memory addresses, never shown
# Builtin types that may hold nothing comparable; every other builtin value is plain data.
_LIVE_BUILTINS = frozenset(
    [
        "generator",
        "async_generator",
        "coroutine",
        "frame",
        "traceback",
        "function",
        "weakref",
        "weakproxy",
        "weakcallableproxy",
    ]
)
_DATABASE_MODULES = ("sqlite3", "sqlalchemy", "psycopg", "pymysql", "pyodbc", "duckdb")
_KERNEL_IMPORTS = (
    "import io, pickle, re, socket, threading, types, weakref\nfrom concurrent.futures import Executor"
)


def step_seed(step_name: str) -> int:
    """The seed both the notebook and the pipeline use right before a step (stable across processes)."""
    return zlib.crc32(step_name.encode("utf-8"))


def reason_not_comparable(value: object) -> str | None:
    """Why a value holds nothing to compare (a generator, a lock, an open file, a live connection), or None.

    Standard library only and no module globals but the imports: `capture_source` ships it to the kernel.
    """
    kind = type(value)
    module = kind.__module__ or ""
    if module == "builtins" and kind.__name__ not in _LIVE_BUILTINS:
        return None
    if isinstance(value, (types.GeneratorType, types.AsyncGeneratorType)):
        return "a generator yields its values once and holds none to compare"
    if isinstance(value, types.CoroutineType):
        return "a coroutine is code waiting to run, not a value"
    if isinstance(value, (types.FrameType, types.TracebackType)):
        return "an interpreter frame or traceback belongs to one process"
    if isinstance(value, types.FunctionType) and (
        "<lambda>" in value.__qualname__ or "<locals>" in value.__qualname__
    ):
        return "a function defined inline (lambda or nested function) is code, not a value"
    if isinstance(value, (weakref.ref, weakref.ProxyType, weakref.CallableProxyType)):
        return "a weak reference points at an object of one process"
    if isinstance(value, io.IOBase):
        return "an open file or stream is a handle to data outside the program, not a value"
    if isinstance(value, socket.socket):
        return "a network socket is a live connection, not a value"
    if isinstance(value, (threading.Thread, Executor)):
        return "a thread or worker pool is running code, not a value"
    if module in ("_thread", "threading") and kind.__name__ in ("lock", "RLock", "_RLock"):
        return "a lock holds no data"
    if module == "subprocess" and kind.__name__ == "Popen":
        return "a running process is not a value"
    if module.startswith(_DATABASE_MODULES) and any(
        callable(getattr(value, name, None)) for name in ("cursor", "execute", "connect")
    ):
        return "a database connection, cursor or engine is a live link to a server, not a value"
    return None


def capture(values: dict[str, object]) -> dict[str, object]:
    """Each value pickled right away (later steps may change it in place): name -> bytes, or, for a value
    pickle cannot hold, ("not compared", type name, reason).

    The parity test runs this very function in the notebook's kernel (`capture_source`), so both sides
    capture alike. Parts that hold nothing to compare (`reason_not_comparable`) become markers in place,
    so the rest of the value is still compared; modules travel by name.
    """

    def type_name(value: object) -> str:
        kind = type(value)
        if kind.__module__ in ("builtins", "__main__"):
            return kind.__qualname__
        return f"{kind.__module__}.{kind.__qualname__}"

    class MarkingPickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            if isinstance(obj, types.ModuleType):
                return ("module", obj.__name__)
            reason = reason_not_comparable(obj)
            return None if reason is None else ("not compared", type_name(obj), reason)

    captured: dict[str, object] = {}
    for name, value in values.items():
        buffer = io.BytesIO()
        try:
            MarkingPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
            captured[name] = buffer.getvalue()
        except Exception as error:  # pickle raises many kinds (TypeError, PicklingError, AttributeError)
            message = _ADDRESS.sub("", str(error).splitlines()[0] if str(error) else type(error).__name__)
            captured[name] = ("not compared", type_name(value), f"it cannot be pickled ({message})")
    return captured


def capture_source() -> str:
    """Source defining `capture` (and what it needs) for the notebook's kernel."""
    return "\n".join(
        [
            _KERNEL_IMPORTS,
            f"_ADDRESS = re.compile({_ADDRESS.pattern!r})",
            f"_LIVE_BUILTINS = {sorted(_LIVE_BUILTINS)!r}",
            f"_DATABASE_MODULES = {_DATABASE_MODULES!r}",
            inspect.getsource(reason_not_comparable),
            inspect.getsource(capture),
        ]
    )


@dataclass(frozen=True)
class NotCompared:
    """Stands for a value (or part of one) that holds nothing comparable, with the reason."""

    type_name: str
    reason: str


class NotComparedWarning(UserWarning):
    """Raised as a warning by the parity test for each value it could not compare."""


class _SnapshotUnpickler(pickle.Unpickler):
    """Loads a captured value: the notebook's own code (`__main__` in the kernel) is the package's steps."""

    def find_class(self, module_name: str, name: str) -> Any:
        if module_name == "__main__":
            steps = pipeline.steps
            if not hasattr(steps, name.split(".")[0]):
                defined = f"which {steps.__name__} does not define at top level"
                raise LookupError(f"it refers to {name!r} of the notebook, {defined}")
            module_name = steps.__name__
        return super().find_class(module_name, name)

    def persistent_load(self, pid: Any) -> object:
        kind, *details = pid
        if kind == "module":
            try:
                return importlib.import_module(details[0])
            except ImportError:
                return NotCompared("module", f"module {details[0]!r} cannot be imported here")
        return NotCompared(details[0], details[1])


def thaw(entry: object) -> object:
    """A value back from `capture` (NotCompared when it was not captured or cannot be loaded here)."""
    if isinstance(entry, tuple):
        return NotCompared(entry[1], entry[2])
    assert isinstance(entry, bytes)
    try:
        return _SnapshotUnpickler(io.BytesIO(entry)).load()
    except LookupError as error:
        return NotCompared("object", str(error))
    except Exception as error:
        message = _ADDRESS.sub("", str(error).splitlines()[0] if str(error) else type(error).__name__)
        return NotCompared("object", f"it cannot be loaded in the test process ({message})")


def freeze(values: dict[str, object]) -> dict[str, object]:
    """A copy of a step's outputs taken right away, captured and loaded exactly as the notebook's are."""
    return {name: thaw(entry) for name, entry in capture(values).items()}


@dataclass
class Comparison:
    """What comparing two values found: mismatches, and values not compared (with the reason)."""

    mismatches: list[str] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)
    more_mismatches: int = 0

    def mismatch(self, message: str) -> None:
        if len(self.mismatches) < MAX_MISMATCHES:
            self.mismatches.append(_ADDRESS.sub("", message))
        else:
            self.more_mismatches += 1

    def differ(self, where: str, notebook: object, pipeline: object) -> None:
        """A mismatch showing both sides (already rendered short and address-free)."""
        self.mismatch(f"{where}: {notebook} in the notebook, {pipeline} in the pipeline")

    def skip(self, where: str, reason: str) -> None:
        self.not_compared.append(_ADDRESS.sub("", f"{where}: not compared, because {reason}"))

    def lines(self) -> list[str]:
        """The mismatches, with a last line counting those left out."""
        more = [f"... and {self.more_mismatches} more mismatches"] if self.more_mismatches else []
        return self.mismatches + more


def compare(expected: object, actual: object, where: str = "value") -> Comparison:
    """Compare the notebook's value (`expected`) with the pipeline's (`actual`) by what they hold."""
    comparison = Comparison()
    comparer = _Comparer(comparison)
    try:
        comparer.compare(expected, actual, where, 0)
    except RecursionError:
        comparison.skip(where, f"it is nested too deeply to walk (more than {MAX_DEPTH} levels)")
    return comparison


def differences(expected: object, actual: object, where: str = "value") -> list[str]:
    """The mismatches `compare` finds (empty when equal; values not compared are not mismatches)."""
    return compare(expected, actual, where).lines()


def warn_not_compared(comparison: Comparison) -> None:
    """Show each value not compared in pytest's warnings summary."""
    for line in comparison.not_compared:
        warnings.warn(line, NotComparedWarning, stacklevel=2)


def _type_name(kind: type) -> str:
    if kind.__module__ in ("builtins", "__main__"):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _show(value: object) -> str:
    """A short, address-free rendering of a value for a message."""
    if _module(value) == "numpy" and callable(getattr(value, "item", None)) and not getattr(value, "ndim", 1):
        value = value.item()  # type: ignore[attr-defined]  # 2.5, not np.float64(2.5)
    try:
        text = repr(value)
    except Exception:
        text = ""
    if not text or _ADDRESS.search(text) or len(text) > 80:
        if isinstance(value, (str, bytes)):
            return repr(value[:60]) + "..."
        return f"<{_type_name(type(value))}>"
    return text


def _module(value: object) -> str:
    return type(value).__module__ or ""


_ATOMS = (type(None), bool, int, str, bytes, bytearray, complex, range, type(Ellipsis))


def _defines(kind: type, name: str) -> bool:
    """Whether `kind` overrides `object`'s `name` (e.g. its own `__eq__` or `__getstate__`)."""
    return getattr(kind, name, None) is not getattr(object, name, None)


def _lazily_cached(kind: type, name: str) -> bool:
    """An attribute computed on first use (functools.cached_property, a cache dict)."""
    descriptor = getattr(kind, name, None)
    if isinstance(descriptor, functools.cached_property):
        return True
    return "cache" in name.lower() or "cache" in type(descriptor).__name__.lower()


def _attribute_path(where: str, key: object) -> str:
    return f"{where}.{key}" if isinstance(key, str) and key.isidentifier() else f"{where}[{_show(key)}]"


def _is_estimator(value: object) -> bool:
    return callable(getattr(value, "get_params", None)) and callable(getattr(value, "fit", None))


def _is_tensor(value: object) -> bool:
    return _module(value).startswith(("torch", "jax", "tensorflow")) and hasattr(value, "numpy")


def _as_array(tensor: Any) -> object:
    """A tensor's values as a NumPy array (torch: detached, on the CPU)."""
    if hasattr(tensor, "detach"):
        tensor = tensor.detach()
    if hasattr(tensor, "cpu"):
        tensor = tensor.cpu()
    return tensor.numpy()


class _Facts(dict):  # type: ignore[type-arg]
    """What a plot shows, by name (compared with attribute-style paths: `fig.axes[0].lines[1]`)."""


def _figure_facts(figure: Any) -> _Facts:
    """What a matplotlib Figure shows: its title, size and each Axes' data."""
    suptitle = figure.get_suptitle() if hasattr(figure, "get_suptitle") else None
    return _Facts(
        suptitle=suptitle,
        size=tuple(float(value) for value in figure.get_size_inches()),
        axes=[_axes_facts(axes) for axes in figure.get_axes()],
    )


_PLOT_MODULES = ("matplotlib", "mpl_toolkits")  # mpl_toolkits: 3D Axes (Axes3D) and axes_grid


def _is_axes(value: object) -> bool:
    """A matplotlib Axes (2D or 3D) — not a Legend, which also has lines and a title but no axis labels."""
    return all(callable(getattr(value, name, None)) for name in ("get_lines", "get_xlabel", "get_xlim"))


def _axes_facts(axes: Any) -> _Facts:
    """What a matplotlib Axes shows: titles, labels, limits, lines, bars/patches, points, images, texts."""
    facts = _axes_plane_facts(axes)
    if callable(getattr(axes, "get_zlabel", None)):  # a 3D Axes: its third axis too
        facts.update(zlabel=axes.get_zlabel(), zlim=tuple(float(value) for value in axes.get_zlim()))
    return facts


def _axes_plane_facts(axes: Any) -> _Facts:
    return _Facts(
        title=axes.get_title(),
        xlabel=axes.get_xlabel(),
        ylabel=axes.get_ylabel(),
        xlim=tuple(float(value) for value in axes.get_xlim()),
        ylim=tuple(float(value) for value in axes.get_ylim()),
        lines=[_artist_facts(line) for line in axes.get_lines()],
        patches=[_artist_facts(patch) for patch in axes.patches],
        collections=[_artist_facts(collection) for collection in axes.collections],
        images=[_artist_facts(image) for image in axes.get_images()],
        texts=[text.get_text() for text in axes.texts],
        legend=list(axes.get_legend_handles_labels()[1]),
    )


_ARTIST_GETTERS = (
    "get_xydata",
    "get_data_3d",
    "get_offsets",
    "get_array",
    "get_xy",
    "get_width",
    "get_height",
    "get_text",
    "get_label",
)


_PROJECTED_GETTERS = ("get_xydata", "get_offsets")  # of a 3D artist: its 2D projection, set when drawn


def _masked_filled(value: Any) -> Any:
    """A numpy masked array as a plain one (its fill value where masked); anything else as it is."""
    return value.filled() if _module(value) == "numpy.ma.core" else value


def _artist_facts(artist: Any) -> _Facts:
    """The data of a line, patch, collection, image or text (whichever getters it has)."""
    facts = _Facts(kind=type(artist).__name__)
    # A 3D artist's 2D data is its projection, computed when the figure is drawn (Jupyter's inline backend
    # draws, a headless pipeline may not): compare the 3D data it was given instead.
    projected = getattr(artist, "_offsets3d", None)
    if projected is not None:
        facts["offsets_3d"] = [_masked_filled(coordinates) for coordinates in projected]
    three_d = projected is not None or callable(getattr(artist, "get_data_3d", None))
    for getter in _ARTIST_GETTERS:
        if three_d and getter in _PROJECTED_GETTERS:
            continue
        method = getattr(artist, getter, None)
        if callable(method):
            try:
                value = method()
            except Exception:
                continue
            facts[getter.removeprefix("get_")] = _masked_filled(value)
    if callable(getattr(artist, "get_texts", None)):
        facts["texts"] = [text.get_text() for text in artist.get_texts()]
    return facts


def _state(value: object) -> dict[str, object] | None:
    """What pickle would save of `value`, as {path suffix: part}; None when it has no reachable state."""
    kind = type(value)
    if _defines(kind, "__getstate__"):
        try:
            return _state_parts(value.__getstate__())  # type: ignore[attr-defined]
        except Exception:
            pass  # some classes refuse pickling (patsy): fall back to the instance dict
    if _defines(kind, "__reduce_ex__") or _defines(kind, "__reduce__"):
        try:
            reduced = value.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        except Exception:
            reduced = None
        if isinstance(reduced, (str, tuple)):
            return _reduced_parts(reduced)
    parts: dict[str, object] = {}
    has_state = hasattr(value, "__dict__")
    if has_state:
        parts.update((f".{name}", item) for name, item in vars(value).items())
    for base in kind.__mro__:
        slots = base.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot in ("__dict__", "__weakref__"):
                continue
            has_state = True
            private = slot.startswith("__") and not slot.endswith("__")
            attribute = f"_{base.__name__.lstrip('_')}{slot}" if private else slot
            if hasattr(value, attribute):
                parts[f".{slot}"] = getattr(value, attribute)
    if has_state:
        return parts
    try:  # a C type without attributes: what pickle's default protocol saves (nothing, for object())
        reduced = value.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None  # pickle cannot save it either
    return _reduced_parts(reduced)


def _reduced_parts(reduced: object) -> dict[str, object]:
    """The parts of a `__reduce_ex__` answer: constructor arguments, state, items."""
    if isinstance(reduced, str):
        return {".<global name>": reduced}
    assert isinstance(reduced, tuple)
    parts: dict[str, object] = {".<constructed from>": reduced[1] if len(reduced) > 1 else ()}
    if len(reduced) > 2 and reduced[2] is not None:
        parts.update(_state_parts(reduced[2]))
    if len(reduced) > 3 and reduced[3] is not None:
        parts[".<items>"] = list(reduced[3])
    if len(reduced) > 4 and reduced[4] is not None:
        parts[".<mapping items>"] = list(reduced[4])
    return parts


def _state_parts(state: object) -> dict[str, object]:
    if (
        isinstance(state, tuple)
        and len(state) == 2
        and all(part is None or isinstance(part, dict) for part in state)
    ):  # (instance dict, slots dict), as object.__getstate__ returns for slotted classes
        merged: dict[str, object] = {}
        for part in state:
            merged.update(_state_parts(part or {}))
        return merged
    if isinstance(state, dict) and all(isinstance(key, str) for key in state):
        return {_attribute_path("", key): item for key, item in state.items()}
    return {".<state>": state}


class _Comparer:
    """One comparison walk: remembers the pairs it entered (cycles, shared parts) and keeps them alive."""

    def __init__(self, result: Comparison) -> None:
        self.result = result
        self.seen: set[tuple[int, int]] = set()
        self.keep_alive: list[object] = []

    def compare(self, expected: object, actual: object, where: str, depth: int) -> None:
        if isinstance(expected, NotCompared) or isinstance(actual, NotCompared):
            marker = expected if isinstance(expected, NotCompared) else actual
            assert isinstance(marker, NotCompared)
            self.result.skip(where, marker.reason)
            return
        reason = reason_not_comparable(expected) or reason_not_comparable(actual)
        if reason is not None:
            self.result.skip(where, reason)
            return
        if type(expected) is not type(actual):
            self.result.mismatch(
                f"{where}: {_type_name(type(expected))} in the notebook, "
                f"{_type_name(type(actual))} in the pipeline"
            )
            return
        if expected is actual:
            return
        if isinstance(expected, float):
            self._compare_float(expected, actual, where)  # type: ignore[arg-type]
            return
        if isinstance(expected, _ATOMS):
            if expected != actual:
                self.result.differ(where, _show(expected), _show(actual))
            return
        if depth > MAX_DEPTH:
            self.result.skip(where, f"it is nested more than {MAX_DEPTH} levels deep")
            return
        pair = (id(expected), id(actual))
        if pair in self.seen:
            return  # a cycle back to a value being compared, or a part already compared
        self.seen.add(pair)
        self.keep_alive.append((expected, actual))
        self._compare_composite(expected, actual, where, depth + 1)

    def _compare_float(self, expected: float, actual: float, where: str) -> None:
        if math.isnan(expected) and math.isnan(actual):
            return
        if not math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE):
            self.result.differ(where, _show(expected), _show(actual))

    def _compare_composite(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        module = _module(expected)
        if module.startswith("numpy"):
            import numpy

            if isinstance(expected, (numpy.ndarray, numpy.generic)):
                self._compare_array(expected, actual, where, depth)
                return
        if module.startswith("pandas"):
            import pandas

            if isinstance(expected, (pandas.DataFrame, pandas.Series, pandas.Index)):
                self._compare_pandas(expected, actual, where, depth)
                return
        if isinstance(expected, _Facts):
            self._compare_facts(expected, actual, where, depth)
            return
        if isinstance(expected, dict):
            self._compare_mapping(expected, actual, where, depth)
            return
        if isinstance(expected, (list, tuple)):
            self._compare_sequence(expected, actual, where, depth)
            return
        if isinstance(expected, (set, frozenset)):
            if expected != actual:
                only_notebook = sorted(map(_show, expected - actual))[:5]
                only_pipeline = sorted(map(_show, actual - expected))[:5]
                self.result.mismatch(
                    f"{where}: only in the notebook {only_notebook}, only in the pipeline {only_pipeline}"
                )
            return
        if isinstance(expected, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
            names = [
                getattr(value, "__qualname__", getattr(value, "__name__", "")) for value in (expected, actual)
            ]
            if names[0] != names[1]:
                self.result.differ(where, names[0], names[1])
            return
        if isinstance(expected, types.MethodType):
            self.compare(expected.__func__, actual.__func__, f"{where}.__func__", depth)
            self.compare(expected.__self__, actual.__self__, f"{where}.__self__", depth)
            return
        if _is_tensor(expected):
            self.compare(_as_array(expected), _as_array(actual), f"{where}.numpy()", depth)
            return
        if module.startswith(_PLOT_MODULES) and self._compare_plot(expected, actual, where, depth):
            return
        if self._compare_weights(expected, actual, where, depth):
            return
        if _is_estimator(expected):
            self._compare_estimator(expected, actual, where, depth)
            return
        self._compare_object(expected, actual, where, depth)

    def _compare_array(self, expected: Any, actual: Any, where: str, depth: int, labels: Any = None) -> None:
        """Shape, dtype, then the first differing element (by row label when `labels` is given)."""
        import numpy

        def path(index: tuple[int, ...]) -> str:
            if labels is not None and len(index) == 1:
                return f"{where}.loc[{_show(labels[index[0]])}]"
            return _index_path(where, index)

        if isinstance(expected, numpy.ma.MaskedArray):
            self.compare(
                numpy.ma.getmaskarray(expected), numpy.ma.getmaskarray(actual), f"{where}.mask", depth
            )
            expected, actual = expected.filled(), actual.filled()
        left, right = numpy.asarray(expected), numpy.asarray(actual)
        if left.shape != right.shape:
            self.result.differ(where, f"shape {left.shape}", right.shape)
            return
        if left.dtype != right.dtype:
            self.result.differ(where, f"dtype {left.dtype}", right.dtype)
            return
        if left.dtype.kind == "O":
            try:  # fast path: strings and numbers answer == element-wise; anything else is walked
                if numpy.asarray(left == right, dtype=bool).all():
                    return
            except Exception:
                pass
            for index in numpy.ndindex(left.shape):
                self.compare(left[index], right[index], path(index), depth)
            return
        if left.dtype.kind in "fc":
            same = numpy.isclose(
                left, right, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE, equal_nan=True
            )
        elif left.dtype.kind in "mM":
            same = (left == right) | (numpy.isnat(left) & numpy.isnat(right))
        else:
            same = left == right
        same = numpy.asarray(same, dtype=bool)
        if not same.all():
            differing = numpy.argwhere(~same.reshape(left.shape)) if left.ndim else [()]
            index = tuple(int(position) for position in differing[0])
            count = int((~same).sum())
            self.result.mismatch(
                f"{path(index)}: {_show(left[index])} in the notebook, "
                f"{_show(right[index])} in the pipeline"
                + (f" ({count} of {left.size} elements differ)" if left.size > 1 else "")
            )

    def _compare_pandas(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        import pandas

        if isinstance(expected, pandas.Index):
            if list(expected.names) != list(actual.names):
                self.result.differ(f"{where}.names", list(expected.names), list(actual.names))
            self._compare_labels(expected, actual, where, depth)
            return
        self._compare_labels(expected.index, actual.index, f"{where}.index", depth)
        if isinstance(expected, pandas.Series):
            if expected.name != actual.name:
                self.result.differ(f"{where}.name", _show(expected.name), _show(actual.name))
            self._compare_column(expected, actual, where, depth)
            return
        self._compare_labels(expected.columns, actual.columns, f"{where}.columns", depth)
        if expected.shape != actual.shape or not expected.columns.equals(actual.columns):
            return
        for position, column in enumerate(expected.columns):
            self._compare_column(
                expected.iloc[:, position], actual.iloc[:, position], f"{where}[{_show(column)}]", depth
            )

    def _compare_labels(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        if type(expected) is not type(actual) or expected.dtype != actual.dtype:
            self.result.mismatch(
                f"{where}: {type(expected).__name__}({expected.dtype}) in the notebook, "
                f"{type(actual).__name__}({actual.dtype}) in the pipeline"
            )
            return
        if len(expected) != len(actual):
            self.result.differ(where, f"{len(expected)} labels", len(actual))
            return
        self._compare_array(expected.to_numpy(), actual.to_numpy(), where, depth)

    def _compare_column(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        if expected.dtype != actual.dtype:
            self.result.differ(where, f"dtype {expected.dtype}", actual.dtype)
            return
        self._compare_array(expected.to_numpy(), actual.to_numpy(), where, depth, labels=expected.index)

    def _compare_mapping(self, expected: dict, actual: dict, where: str, depth: int) -> None:
        keys = set(expected) == set(actual)
        if not keys:
            hashable_by_value = all(isinstance(key, (*_ATOMS, float, tuple)) for key in [*expected, *actual])
            if not hashable_by_value:  # keys compared by identity after loading: compare the items in order
                self._compare_sequence(
                    list(expected.items()), list(actual.items()), f"{where}.items()", depth
                )
                return
            only_notebook = [_show(key) for key in expected if key not in actual][:5]
            only_pipeline = [_show(key) for key in actual if key not in expected][:5]
            self.result.mismatch(
                f"{where}: keys only in the notebook {only_notebook}, only in the pipeline {only_pipeline}"
            )
        for key in expected:
            if key in actual:
                self.compare(expected[key], actual[key], f"{where}[{_show(key)}]", depth)

    def _compare_sequence(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        if len(expected) != len(actual):
            self.result.differ(where, f"length {len(expected)}", len(actual))
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            self.compare(left, right, f"{where}[{index}]", depth)

    def _compare_facts(self, expected: _Facts, actual: _Facts, where: str, depth: int) -> None:
        for key in sorted(set(expected) | set(actual)):
            self.compare(expected.get(key), actual.get(key), f"{where}.{key}", depth)

    def _compare_plot(self, expected: Any, actual: Any, where: str, depth: int) -> bool:
        """Figures, Axes and artists by the data they show; False for other matplotlib objects."""
        if callable(getattr(expected, "get_axes", None)) and hasattr(expected, "savefig"):
            self._compare_facts(_figure_facts(expected), _figure_facts(actual), where, depth)
        elif _is_axes(expected):
            self._compare_facts(_axes_facts(expected), _axes_facts(actual), where, depth)
        elif callable(getattr(expected, "get_children", None)) and callable(
            getattr(expected, "get_visible", None)
        ):
            self._compare_facts(_artist_facts(expected), _artist_facts(actual), where, depth)
        else:
            return False
        return True

    def _compare_weights(self, expected: Any, actual: Any, where: str, depth: int) -> bool:
        """Boosters and networks by their serialized weights (xgboost, lightgbm, torch, keras)."""
        for method in ("save_raw", "model_to_string", "state_dict"):
            if callable(getattr(expected, method, None)) and not _is_estimator(expected):
                self.compare(
                    _serialized(expected, method), _serialized(actual, method), f"{where}.{method}()", depth
                )
                return True
        if _module(expected).startswith(("keras", "tensorflow")) and callable(
            getattr(expected, "get_weights", None)
        ):
            self.compare(expected.get_weights(), actual.get_weights(), f"{where}.get_weights()", depth)
            return True
        return False

    def _compare_estimator(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        """Parameters (`get_params(deep=False)`), every fitted attribute (`name_`), a booster's weights."""
        self.compare(
            expected.get_params(deep=False), actual.get_params(deep=False), f"{where}.get_params()", depth
        )
        fitted = [
            name
            for name in sorted(set(vars(expected)) | set(vars(actual)))
            if name.endswith("_") and not name.startswith("_")
        ]
        for name in fitted:
            if name not in vars(actual) or name not in vars(expected):
                side = "the notebook" if name in vars(expected) else "the pipeline"
                self.result.mismatch(f"{where}.{name}: fitted only in {side}")
            else:
                self.compare(vars(expected)[name], vars(actual)[name], f"{where}.{name}", depth)
        if callable(getattr(expected, "get_booster", None)):
            try:
                boosters = expected.get_booster(), actual.get_booster()
            except Exception:
                return  # not fitted on either side: parameters were the whole model
            self.compare(*boosters, f"{where}.get_booster()", depth)

    def _compare_object(self, expected: Any, actual: Any, where: str, depth: int) -> None:
        """Any other object: `==` when it answers True, else its pickled state part by part."""
        try:
            answer = expected == actual
        except Exception:
            answer = NotImplemented
        if answer is True:
            return
        kind = type(expected)
        states = _state(expected), _state(actual)
        value_type = states[0] is None or states[1] is None or any(key.startswith(".<") for key in states[0])
        if answer is False and _defines(kind, "__eq__") and value_type:
            self.result.differ(where, _show(expected), _show(actual))  # Timestamp, Path, Decimal
            return
        if states[0] is None or states[1] is None:
            reason = f"a {_type_name(kind)} neither pickles nor defines ==: nothing to compare"
            self.result.skip(where, reason)
            return
        for suffix in sorted(set(states[0]) | set(states[1])):
            name = suffix.lstrip(".")
            if suffix not in states[0] or suffix not in states[1]:
                if _lazily_cached(kind, name):
                    continue  # computed on first use on one side only: not part of what it holds
                side = "the notebook" if suffix in states[0] else "the pipeline"
                self.result.skip(f"{where}{suffix}", f"it is set only in {side} (computed when first used?)")
                continue
            left, right = states[0][suffix], states[1][suffix]
            if "cache" in name.lower() and isinstance(left, dict) and isinstance(right, dict):
                common = [key for key in left if key in right]  # computed on demand: both sides' only
                left, right = {key: left[key] for key in common}, {key: right[key] for key in common}
            self.compare(left, right, f"{where}{suffix}", depth)


def _serialized(model: Any, method: str) -> object:
    """A booster's or network's weights through its own serializer."""
    value = getattr(model, method)()
    return bytes(value) if isinstance(value, bytearray) else value


def _index_path(where: str, index: tuple[int, ...]) -> str:
    return f"{where}[{', '.join(str(position) for position in index)}]" if index else where


def seeded_run(after_step: Callable[..., None] | None = None) -> dict[str, object]:
    """The pipeline on its default parameters, seeded before each step exactly as the parity test seeds."""
    return pipeline.execute_steps(
        pipeline.resolve_parameters({}),
        before_step=lambda step, state: pipeline.seed_everything(step_seed(step.name)),
        after_step=after_step,
    )
