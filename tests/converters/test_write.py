"""Writing OUTDIR loses nothing: the manifest, what --force replaces, keeps and refuses, the notebook's own
folder, unwritable places, a second nb2prod at the same time, Ctrl-C and faults mid-write."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import converters.write
from converters.manifest import MANIFEST_NAME
from tests.converters.conftest import DATA

RunCli = Callable[..., tuple[int, str, str]]
CORPUS_NOTEBOOK = DATA / "tagged_pipeline.ipynb"
NB2PROD = str(Path(sys.executable).parent / "nb2prod")


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def reference(run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What nb2prod writes for the corpus notebook into a fresh OUTDIR."""
    out_dir = tmp_path_factory.mktemp("reference") / "out"
    assert run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "-q")[0] == 0
    return tree(out_dir)


@pytest.fixture
def written(run_cli: RunCli, tmp_path: Path) -> Path:
    """tmp_path/out, written once by nb2prod."""
    out_dir = tmp_path / "out"
    assert run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "-q")[0] == 0
    return out_dir


def last_line(err: str) -> str:
    return err.strip().splitlines()[-1]


def test_the_manifest_lists_every_written_file_with_its_sha256(written: Path) -> None:
    manifest = json.loads((written / MANIFEST_NAME).read_text())
    files = {path: data for path, data in tree(written).items() if path != MANIFEST_NAME}
    assert manifest == {
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in files.items()},
        "format": 1,
        "written_by": "nb2prod",
    }
    assert "tagged_pipeline/steps.py" in manifest["files"]


def test_existing_outdir_is_kept_without_force(run_cli: RunCli, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("mine")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", out_dir)
    assert code == 2
    assert last_line(err) == (
        f"nb2prod: error: {out_dir} already exists; use --force to replace the files nb2prod wrote there"
    )
    assert tree(out_dir) == {"keep.txt": b"mine"}


def test_force_refuses_files_it_did_not_write_naming_them(
    run_cli: RunCli, written: Path, tmp_path: Path
) -> None:
    (written / "notes.txt").write_text("mine")
    (written / "data").mkdir()
    (written / "data" / "train.csv").write_text("a,b\n")
    before = tree(written)
    code, out, err = run_cli(CORPUS_NOTEBOOK, "-o", written, "--force")
    assert code == 2 and out == ""
    assert last_line(err) == (
        f"nb2prod: error: {written} holds files nb2prod did not write: data/train.csv, notes.txt; move them "
        f"elsewhere or choose another -o (--force replaces only the files listed in {MANIFEST_NAME}, and "
        "keeps mlflow.db, mlruns/ and mlartifacts/)"
    )
    assert tree(written) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_force_lists_at_most_ten_foreign_files(run_cli: RunCli, tmp_path: Path) -> None:
    out_dir = tmp_path / "home"
    out_dir.mkdir()
    for index in range(30):
        (out_dir / f"file{index:02}.txt").write_text("mine")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "--force")
    assert code == 2
    named = ", ".join(f"file{index:02}.txt" for index in range(10))
    assert f"did not write: {named} and more; move them" in last_line(err)
    assert len(tree(out_dir)) == 30


def test_force_keeps_run_data_and_replaces_the_package(
    run_cli: RunCli, written: Path, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    run_data = {
        "mlflow.db": b"run history",
        "mlruns/0/meta.yaml": b"name: Default",
        "mlartifacts/1/model.pkl": b"model",
        "tagged_pipeline/__pycache__/steps.cpython-311.pyc": b"bytecode",
        ".pytest_cache/README.md": b"cache",
    }
    for relative, data in run_data.items():
        (written / relative).parent.mkdir(parents=True, exist_ok=True)
        (written / relative).write_bytes(data)
    (written / "tagged_pipeline" / "steps.py").write_text("# edited by hand; nb2prod regenerates it\n")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", written, "--force", "-q")
    assert code == 0, err
    assert tree(written) == {**reference, **run_data}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_force_removes_files_no_longer_written(run_cli: RunCli, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "--name", "first", "-q")[0] == 0
    (out_dir / "mlflow.db").write_bytes(b"runs")
    assert run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "--name", "second", "--force", "-q")[0] == 0
    fresh = tmp_path / "fresh"
    assert run_cli(CORPUS_NOTEBOOK, "-o", fresh, "--name", "second", "-q")[0] == 0
    assert tree(out_dir) == {**tree(fresh), "mlflow.db": b"runs"}
    assert not (out_dir / "first").exists()


def test_force_accepts_files_identical_to_what_it_writes_when_the_manifest_is_missing(
    run_cli: RunCli, written: Path, reference: dict[str, bytes]
) -> None:
    (written / MANIFEST_NAME).unlink()
    assert run_cli(CORPUS_NOTEBOOK, "-o", written, "--force", "-q")[0] == 0
    assert tree(written) == reference
    (written / MANIFEST_NAME).unlink()
    (written / "README.md").write_text("my notes")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", written, "--force")
    assert code == 2 and "holds files nb2prod did not write: README.md;" in last_line(err)
    assert (written / "README.md").read_text() == "my notes"


def test_a_manifest_naming_paths_outside_outdir_is_refused(
    run_cli: RunCli, written: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    manifest = written / MANIFEST_NAME
    document = json.loads(manifest.read_text())
    document["files"]["../victim.txt"] = "0" * 64
    manifest.write_text(json.dumps(document))
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", written, "--force", "--name", "other")
    assert code == 2
    assert last_line(err) == (
        f"nb2prod: error: {manifest} is not a manifest nb2prod wrote (it names a path outside OUTDIR); "
        "nb2prod will not replace files it cannot vouch for: delete it and the files it lists"
    )
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("where", ["the notebook's folder", "cwd as .", "a folder above it"])
def test_the_notebooks_own_folder_is_never_replaced(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    notebook = project / "tagged_pipeline.ipynb"
    shutil.copy(CORPUS_NOTEBOOK, notebook)
    (project / "data" / "train.csv").write_text("a,b\n")
    before = tree(tmp_path)
    monkeypatch.chdir(project)
    out_dir = {"the notebook's folder": project, "cwd as .": Path("."), "a folder above it": tmp_path}[where]
    code, _, err = run_cli(notebook, "-o", out_dir, "--force")
    assert code == 2
    assert last_line(err) == (
        f"nb2prod: error: {out_dir.resolve()} holds the notebook {notebook} itself; "
        "write the package to a folder of its own"
    )
    assert tree(tmp_path) == before


def test_outdir_under_a_file_or_in_proc_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", a_file / "out")
    assert (code, last_line(err)) == (
        2,
        f"nb2prod: error: cannot write {a_file / 'out'}: {a_file} is a file, not a folder",
    )
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", a_file, "--force")
    assert (code, last_line(err)) == (2, f"nb2prod: error: {a_file} exists and is not a directory")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", "/proc/nb2prod-out")
    assert (code, last_line(err)) == (
        2,
        "nb2prod: error: cannot write /proc/nb2prod-out: No such file or directory",
    )
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", "/proc/self/nb2prod/out")
    assert code == 2
    assert last_line(err).startswith("nb2prod: error: cannot create /proc/")
    assert last_line(err).endswith("/nb2prod: No such file or directory")
    assert "Traceback" not in err
    assert a_file.read_text() == "mine"


@pytest.fixture
def held_lock(written: Path) -> Iterator[None]:
    """Another nb2prod writing OUTDIR: hold the lock it takes on the folder."""
    descriptor = os.open(written, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(descriptor)


def test_a_second_nb2prod_writing_the_same_outdir_stops_with_exit_75(
    run_cli: RunCli, written: Path, tmp_path: Path, held_lock: None
) -> None:
    before = tree(written)
    code, out, err = run_cli(CORPUS_NOTEBOOK, "-o", written, "--force")
    assert (code, out) == (75, "")
    assert last_line(err) == (
        f"nb2prod: error: another nb2prod is writing {written} right now; run again when it has finished"
    )
    assert tree(written) == before
    assert run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "next_to_it", "-q")[0] == 0, "other folders are free"


def test_concurrent_force_runs_leave_one_complete_package(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    out_dir = tmp_path / "out"
    for _ in range(3):
        runs = [
            subprocess.Popen(
                [NB2PROD, str(CORPUS_NOTEBOOK), "-o", str(out_dir), "--force", "-q"],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = [(run.wait(timeout=300), run.stderr.read() if run.stderr else "") for run in runs]
        for code, err in results:
            assert code in (0, 75), err
            if code == 75:
                assert err.strip() == (
                    f"nb2prod: error: another nb2prod is writing {out_dir} right now; "
                    "run again when it has finished"
                )
        assert 0 in [code for code, _ in results]
        assert tree(out_dir) == reference
        assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]
        assert sorted(path.name for path in out_dir.iterdir() if path.name.startswith(".")) == [MANIFEST_NAME]


def interrupt_after(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the staged files are written, after `count` of them."""
    written: list[Path] = []
    real_write = converters.write._write_file

    def write_then_interrupt(path: Path, data: bytes) -> None:
        if len(written) == count:
            raise KeyboardInterrupt
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(converters.write, "_write_file", write_then_interrupt)


def test_ctrl_c_while_writing_a_new_outdir_leaves_nothing(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_after(5, monkeypatch)
    code, out, err = run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "out")
    assert (code, out) == (130, "")
    assert last_line(err) == f"nb2prod: interrupted; {tmp_path / 'out'} was left as it was"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_replacing_leaves_the_old_package(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    assert run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "--name", "old", "-q")[0] == 0
    before = tree(out_dir)
    interrupt_after(5, monkeypatch)
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "--force")
    assert code == 130
    assert last_line(err) == f"nb2prod: interrupted; {out_dir} was left as it was"
    assert tree(out_dir) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_ctrl_c_while_moving_files_in_finishes_the_move_first(
    run_cli: RunCli, written: Path, monkeypatch: pytest.MonkeyPatch, reference: dict[str, bytes]
) -> None:
    """A real SIGINT arrives between two renames; the package is completed, then nb2prod exits 130."""
    real_replace = os.replace
    calls: list[str] = []

    def replace_and_interrupt(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        calls.append(str(target))
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)
        real_replace(source, target)

    monkeypatch.setattr(converters.write.os, "replace", replace_and_interrupt)
    (written / "README.md").write_text("stale")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", written, "--force")
    assert len(calls) > 3
    assert code == 130
    assert last_line(err) == f"nb2prod: interrupted after {written} was completely written"
    assert tree(written) == reference


def test_a_disk_error_mid_write_is_one_line_and_leaves_nothing(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Path] = []
    real_write = converters.write._write_file

    def failing_write(path: Path, data: bytes) -> None:
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(converters.write, "_write_file", failing_write)
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "out")
    assert (code, last_line(err)) == (
        2,
        f"nb2prod: error: cannot write {tmp_path / 'out'}: No space left on device",
    )
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_on_the_console_script_is_one_line_and_never_half_writes(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    """A real SIGINT once nb2prod says it is writing: exit 130 with one line (or 0 if it had finished), and
    OUTDIR holds either the old package or the whole new one."""
    out_dir = tmp_path / "out"
    assert (
        subprocess.run([NB2PROD, str(CORPUS_NOTEBOOK), "-o", str(out_dir), "--name", "old", "-q"]).returncode
        == 0
    )
    old = tree(out_dir)
    process = subprocess.Popen(
        [NB2PROD, str(CORPUS_NOTEBOOK), "-o", str(out_dir), "--force"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("nb2prod: writing"):
            process.send_signal(signal.SIGINT)
            break
    lines += process.stderr.readlines()
    code = process.wait(timeout=120)
    after = tree(out_dir)
    assert "Traceback" not in "".join(lines)
    if code == 130:
        assert lines[-1].strip() in (
            f"nb2prod: interrupted; {out_dir} was left as it was",
            f"nb2prod: interrupted after {out_dir} was completely written",
        )
        assert after == (old if "left as it was" in lines[-1] else reference)
    else:
        assert code == 0 and after == reference
    assert sorted(path.name for path in out_dir.iterdir() if path.name.startswith(".nb2prod-staging")) == []
