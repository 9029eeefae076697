"""Files the notebook reads or writes by relative path: string literals passed to `open`, `pd.read_csv`,
`np.load`, `df.to_csv`, ... found in the parsed code (libcst), for the report and the run's dataset inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import libcst as cst

# function or method name -> (access, position of the path argument, keyword names of that argument)
READERS = {
    name: ("read", 0)
    for name in (
        "read_csv", "read_table", "read_parquet", "read_json", "read_excel", "read_feather", "read_pickle",
        "read_hdf", "read_orc", "read_stata", "read_sas", "read_spss", "read_fwf", "read_xml",
        "load", "loadtxt", "genfromtxt", "fromfile", "imread", "load_workbook", "read_file",
    )
}  # fmt: skip
WRITERS = {
    name: ("write", 0)
    for name in (
        "to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_pickle", "to_hdf", "to_orc",
        "to_stata", "to_xml", "save", "savez", "savez_compressed", "savetxt", "savefig", "imsave", "tofile",
        "to_file",
    )
}  # fmt: skip
POSITIONED = {**READERS, **WRITERS, "dump": ("write", 1)}  # joblib.dump(value, "model.joblib")
PATH_KEYWORDS = frozenset({"file", "fname", "filename", "filepath_or_buffer", "path", "path_or_buf", "io"})
WRITE_MODES = frozenset("wax")


@dataclass(frozen=True)
class DataFile:
    """A relative path the notebook reads or writes, where, and through which call."""

    path: str
    access: str  # "read" or "write"
    cell: int
    function: str


def _string(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string, no bytes), else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _is_relative_path(text: str) -> bool:
    if not text or "://" in text or "\n" in text or text.startswith("~") or not text.isprintable():
        return False
    return not PurePosixPath(text).is_absolute() and not PureWindowsPath(text).is_absolute()


def _callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _argument(call: cst.Call, position: int, keywords: Iterable[str]) -> cst.BaseExpression | None:
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) > position:
        return positional[position].value
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    return None


def _open_access(call: cst.Call) -> str:
    mode = _argument(call, 1, ("mode",))
    text = _string(mode) if mode is not None else "r"
    if text is None:
        return "read"
    return "read+write" if "+" in text else "write" if WRITE_MODES & set(text) else "read"


class _Finder(cst.CSTVisitor):
    def __init__(self, cell: int) -> None:
        super().__init__()
        self.cell = cell
        self.found: list[DataFile] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = _callee_name(node.func)
        if name == "open" or name in POSITIONED:
            access, position = ("", 0) if name == "open" else POSITIONED[name]
            argument = _argument(node, position, PATH_KEYWORDS)
            path = _string(argument) if argument is not None else None
            if path is not None and _is_relative_path(path):
                access = _open_access(node) if name == "open" else access
                self.found.append(DataFile(path, access, self.cell, name))


def find_data_files(cells: Iterable[tuple[int, str]]) -> tuple[DataFile, ...]:
    """Every relative path passed as a string literal to a known file function, in notebook order."""
    found: list[DataFile] = []
    for index, source in cells:
        if not source.strip():
            continue
        finder = _Finder(index)
        cst.parse_module(source).visit(finder)
        found += finder.found
    return tuple(found)


def read_paths(files: Iterable[DataFile]) -> tuple[str, ...]:
    """Paths read before anything in the notebook writes them: the run's inputs (each once, in order)."""
    inputs: dict[str, None] = {}
    written: set[str] = set()
    for data_file in files:
        key = PurePosixPath(data_file.path).as_posix()
        if "read" in data_file.access and key not in written:
            inputs[key] = None
        if "write" in data_file.access:
            written.add(key)
    return tuple(inputs)


__all__ = ["DataFile", "find_data_files", "read_paths"]
