"""Magics pass, before/after: translated line for line, or refused with cell and line."""

from __future__ import annotations

import pytest

from converters.errors import CellSyntaxError, MagicError
from converters.magics import translate_cell


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("x = 1\n", "x = 1\n"),
        ("!ls -l data\n", "subprocess.run(['ls', '-l', 'data'], check=False)\n"),
        ("!cat a.txt | wc -l\n", "subprocess.run('cat a.txt | wc -l', shell=True, check=False)\n"),
        ("%time model.fit(X, y)\n", "model.fit(X, y)\n"),
        ("%%time\nx = 1\ny = 2\n", "# %%time (timing only, dropped)\nx = 1\ny = 2\n"),
        ("%pip install lightgbm\nx = 1\n", "# %pip install lightgbm -> requirements.txt\nx = 1\n"),
        ("!pip install xgboost==2.1\n", "# pip install xgboost==2.1 -> requirements.txt\n"),
        ("%matplotlib inline\nx = 1\n", "# %matplotlib inline (notebook session setting, dropped)\nx = 1\n"),
        ("if ok:\n    !echo hi\n", "if ok:\n    subprocess.run(['echo', 'hi'], check=False)\n"),
        ("if ok:\n    %pip install a\n", "if ok:\n    pass  # %pip install a -> requirements.txt\n"),
        ("s = '''\n!not a shell line\n'''\n", "s = '''\n!not a shell line\n'''\n"),
        ("!ls {folder} $name\n", "ipython_system('ls {folder} $name', name=name, folder=folder)\n"),
        ("if ok:\n    !echo $HOME\n", "if ok:\n    ipython_system('echo $HOME')\n"),
        (
            "x = 1\ndf?\nnp.mean??\n",
            "x = 1\n# df? (help display, dropped)\n# np.mean?? (help display, dropped)\n",
        ),
        ("!cd data\n", "# !cd data (no effect: the shell it runs in exits at once)\n"),
        ("!cd data && ls\n", "subprocess.run('cd data && ls', shell=True, check=False)\n"),
        ("%%html\n<b>{x}</b>\n", ""),
        ("%%javascript\nalert(1)\n", ""),
        (
            "%load exercises/1.1.py\n",
            "# %load exercises/1.1.py (fills the cell in the front end only, dropped)\n",
        ),
        ("%timeit -n1 -r 3 f(x)\n", "f(x)\n"),
        ("if ok:\n    %timeit data['age']\n", "if ok:\n    data['age']\n"),
        ("%timeit y = f(x)\nz = 1\n", "# %timeit y = f(x) (timing only, dropped)\nz = 1\n"),
        ("%timeit (y := f(x))\n", "# %timeit (y := f(x)) (timing only, dropped)\n"),
        ("%%timeit\nf(x)\ng(y)\n", "# %%timeit (timing only; the expressions below run once)\nf(x)\ng(y)\n"),
        ("%%timeit -n 2 f(x)\ng(y)\n", "f(x)\ng(y)\n"),
        ("%%timeit L = []\nfor n in range(3):\n    L.append(n)\n", ""),
    ],
)
def test_translation_keeps_lines(before: str, after: str) -> None:
    assert translate_cell(before, cell_index=0).source == after


def test_requirements_and_subprocess_flags() -> None:
    translated = translate_cell("%pip install a b==1\n!pip install c\n!echo x\n", cell_index=0)
    assert translated.requirements == ("a", "b==1", "c")
    assert translated.uses_subprocess


def test_every_translated_line_is_noted_in_line_order() -> None:
    source = (
        "%%time\n%time a = 1\n!echo hi\n!ls | wc -l\n%pip install lightgbm\n!pip install xgboost\n"
        "%matplotlib inline\n"
    )
    assert translate_cell(source, cell_index=4).notes == (
        "cell 4 line 1: `%%time` removed (the cell's statements are kept)",
        "cell 4 line 2: `%time a = 1` → `a = 1`",
        "cell 4 line 3: `!echo hi` → `subprocess.run(['echo', 'hi'], check=False)`",
        "cell 4 line 4: `!ls | wc -l` → `subprocess.run('ls | wc -l', shell=True, check=False)`",
        "cell 4 line 5: `%pip install lightgbm` → requirements.txt",
        "cell 4 line 6: `!pip install xgboost` → requirements.txt",
        "cell 4 line 7: `%matplotlib inline` dropped (session setting only)",
    )


def test_ipython_only_lines_are_noted() -> None:
    assert translate_cell("!ls {folder}\ndf?\n!cd data\n", cell_index=2).notes == (
        "cell 2 line 1: `!ls {folder}` → `ipython_system('ls {folder}', folder=folder)`",
        "cell 2 line 2: `df?` dropped (help display only)",
        "cell 2 line 3: `!cd data` dropped (IPython runs it in a subshell: "
        "the kernel's directory does not change)",
    )
    assert translate_cell("%%javascript\nalert(1)\n", cell_index=3).notes == (
        "cell 3: `%%javascript` cell dropped (display in the notebook only)",
    )
    assert translate_cell("x = 1\n%whos\n%who int\n", cell_index=4).notes == (
        "cell 4 line 2: `%whos` dropped (display only)",
        "cell 4 line 3: `%who int` dropped (display only)",
    )
    assert translate_cell("!ls {folder}\n", cell_index=0).uses_shell_helper
    assert not translate_cell("!ls folder\n", cell_index=0).uses_shell_helper


def test_timeit_follows_ipython_semantics_and_is_noted() -> None:
    """IPython runs timed code inside `def inner(_it, _timer)`: bindings stay there, expressions run."""
    assert translate_cell("x = [1]\n%timeit sum(x)\n%timeit y = sum(x)\n", cell_index=5).notes == (
        "cell 5 line 2: `%timeit sum(x)` → `sum(x)`, run once (IPython runs it in a timing loop and keeps "
        "no value)",
        "cell 5 line 3: `%timeit y = sum(x)` dropped (IPython runs it inside a timing function: what it "
        "binds never reaches the notebook's namespace)",
    )
    assert translate_cell("%%timeit L = []\nL.append(1)\n", cell_index=6).notes == (
        "cell 6: `%%timeit L = []` dropped (IPython runs it inside a timing function: what it binds never "
        "reaches the notebook's namespace)",
    )


def test_load_is_dropped_and_noted() -> None:
    """IPython's `%load` only calls set_next_input (the front end fills the cell): a kernel runs nothing."""
    assert translate_cell("%load helpers.py\n", cell_index=7).notes == (
        "cell 7 line 1: `%load helpers.py` dropped (it puts the code into the cell in the front end; a "
        "kernel running the notebook runs none of it)",
    )


def test_timeit_binds_nothing_in_ipython() -> None:
    """The premise, checked on IPython itself: a timed assignment leaves no name behind."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("%timeit -n1 -r1 timed_name = 1", silent=True)
    shell.run_cell("%%timeit -n1 -r1 setup_name = 1\ncell_name = 2", silent=True)
    assert not {"timed_name", "setup_name", "cell_name"} & set(shell.user_ns)


def test_session_only_cell_has_no_statements() -> None:
    assert not translate_cell("%matplotlib inline\n", cell_index=0).has_statements


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = 1\n%cd /tmp\n", "cell 4 (tag step:a), line 2: magic `%cd /tmp` has no faithful translation"),
        ("%%bash\necho hi\n", "cell 4 (tag step:a), line 1: cell magic `%%bash` has no faithful translation"),
        ("files = !ls\n", "cell 4 (tag step:a), line 1: `files = !ls` has no faithful translation"),
        ("!ls {folder} \x00\n", "cell 4 (tag step:a), line 1: `ls {folder} \\x00` holds a control character"),
        ("x = 1\n%psearch a*\n", "cell 4 (tag step:a), line 2: magic `%psearch a*` has no faithful"),
        ("%pip uninstall a\n", "cell 4 (tag step:a), line 1: `pip uninstall a` has no translation"),
        ("%pip install -U a\n", "cell 4 (tag step:a), line 1: `pip install -U a`: pip options have no place"),
        ("%timeit -v t f(x)\n", "cell 4 (tag step:a), line 1: `%timeit -v t f(x)` stores a timing"),
        ("%timeit global g; g = 1\n", "cell 4 (tag step:a), line 1: `%timeit global g; g = 1`: `global`/"),
        ("%%timeit\n!ls\n", "cell 4 (tag step:a), line 1: `%%timeit`: magics or shell lines inside timed"),
        ("ip = get_ipython()\n", "cell 4 (tag step:a), line 1: get_ipython() only exists inside IPython"),
    ],
)
def test_untranslatable_magics_are_refused(source: str, message: str) -> None:
    with pytest.raises(MagicError) as caught:
        translate_cell(source, cell_index=4, tag="step:a")
    assert str(caught.value).startswith(message)


def test_syntax_error_names_cell_and_line() -> None:
    with pytest.raises(CellSyntaxError) as caught:
        translate_cell("x = 1\ny = (\n", cell_index=2, tag="step:b")
    assert str(caught.value).startswith("cell 2 (tag step:b), line 2: syntax error")
