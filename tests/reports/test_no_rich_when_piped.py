"""Reports written to a pipe (or a file) never import rich: JSON, CSV and Markdown never need it, and the
readable tables and quotes of a 20-transcript study are written plain (a regression shows here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import make_study

REPO = Path(__file__).resolve().parents[2]
#: Runs the command line, then says on standard error whether rich was imported.
RUN = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nrich imported: %s\\n' % ('rich' in sys.modules)))\n"
    "sys.argv = ['purer-tui', *sys.argv[1:]]\n"
    "runpy.run_module('purer_tui', run_name='__main__', alter_sys=True)\n"
)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_study(tmp_path_factory.mktemp("piped") / "s20", transcripts=20, turns=20, coders=2)


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--csv"],
        ["stats", "--json"],
        ["agree", "--json"],
        ["quotes", "--markdown", "phenomenology"],
        ["stats"],
        ["agree"],
        ["quotes", "--context", "1", "phenomenology"],
        ["check"],
    ],
)
def test_output_to_a_pipe_does_not_import_rich(study: Path, args: list[str]) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(COLUMNS="80", PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", RUN, *args], cwd=study, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout or args == ["check"]  # check prints problems only
    assert result.stderr.rstrip().endswith("rich imported: False"), result.stderr[-300:]
