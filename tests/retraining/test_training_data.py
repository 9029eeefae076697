"""Which files count as a run's training data: what the notebook reads by literal path, string parameters
naming a table, a package's INPUT_FILES in its working folder, or `--profile-data`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.target import load_target
from jupyter_mlops.retraining.training_data import data_folder, notebook_read_paths, training_files
from tests.retraining.conftest import code_cell


def table(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"x": [1, 2, 3]}).to_csv(path, index=False)
    return path


def test_notebook_tables_are_literal_reads_and_string_parameters(
    make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    train, new, notes = (
        table(tmp_path / "data" / "train.csv"),
        table(tmp_path / "new.csv"),
        tmp_path / "a.txt",
    )
    notes.write_text("not a table")
    notebook = make_notebook(
        "nb.ipynb",
        [
            code_cell('extra = "new.csv"\nname = "not-a-file.csv"', "parameters"),
            code_cell(
                'import pandas as pd\nframe = pd.read_csv("data/train.csv")\ntext = open("a.txt").read()\n'
                'pd.read_csv("missing.csv") if False else None\nframe.to_csv("out.csv")\n%matplotlib inline'
            ),
            code_cell(
                'more = pd.read_csv(extra)\nmore.to_csv("written-first.csv")\n'
                'pd.read_csv("written-first.csv")'
            ),
        ],
    )
    target = load_target(notebook)
    assert training_files(target, {}) == [train.resolve(), new.resolve()]
    assert training_files(target, {"extra": "data/train.csv"}) == [train.resolve()]
    assert training_files(target, {}, [new]) == [new.resolve()]
    assert data_folder(target) == tmp_path


def test_magics_are_translated_and_a_cell_that_does_not_parse_is_skipped() -> None:
    cells = [
        (0, "%%bash\necho hi"),
        (1, '%matplotlib inline\nimport pandas as pd\npd.read_parquet("x.parquet")'),
        (2, 'pd.read_csv("broken.csv"'),
    ]
    assert notebook_read_paths(cells) == ("x.parquet",)


def test_package_tables_are_its_input_files_in_its_working_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    train = table(work / "train.csv")
    package = tmp_path / "out" / "tiny_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "pipeline.py").write_text(
        "from pathlib import Path\n"
        "PARAMETERS = {}\nPARAMETER_TYPES = {}\n"
        "INPUT_FILES = ('train.csv', 'gone.csv')\n"
        f"def working_directory(workdir=None):\n    return Path({str(work)!r})\n"
        "def run(**kwargs):\n    return 'run-id'\n"
    )
    target = load_target(tmp_path / "out")
    assert target.kind == "package"
    assert training_files(target, {}) == [train.resolve()]
    assert data_folder(target) == work


def test_profile_data_must_be_an_existing_table(make_notebook: Callable[..., Path], tmp_path: Path) -> None:
    target = load_target(make_notebook("nb.ipynb", [code_cell("x = 1")]))
    with pytest.raises(BadInputError) as raised:
        training_files(target, {}, [tmp_path / "nope.csv"])
    assert (
        str(raised.value)
        == f"--profile-data {tmp_path / 'nope.csv'}: not an existing .csv, .tsv, .parquet file"
    )
