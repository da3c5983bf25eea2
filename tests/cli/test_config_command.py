"""`purer-tui config` and the settings file as `code` meets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_cli import run
from tests.conftest import write


def user_file(text: str) -> Path:
    """The settings file, in the temporary XDG_CONFIG_HOME every test has (tests/conftest.py)."""
    return write(Path(os.environ["XDG_CONFIG_HOME"]) / "purer-tui" / "config.toml", text)


def row(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.split(" ")[0] == name)


def test_config_with_no_file_shows_the_defaults(demo_study: Path) -> None:
    result = run("config", cwd=demo_study)
    assert result.returncode == 0, result.stderr
    assert "(none: nothing set there)" in result.stdout and "study file:    purer.toml" in result.stdout
    assert row(result.stdout, "auto_advance").split() == ["auto_advance", "false", "default"]
    assert row(result.stdout, "coder").endswith("default (login name)")
    assert row(result.stdout, "keys.turn.next").split() == ["keys.turn.next", "j,", "down", "default"]


def test_config_says_where_each_setting_came_from(demo_study: Path) -> None:
    user_file('coder = "ana"\nauto_advance = true\ntheme = "nord"\n[keys]\n"turn.flag" = "x"\n"turn.goto" = "Z"\n')
    write(demo_study / "purer.toml", (demo_study / "purer.toml").read_text() + '\n[keys]\n"turn.goto" = "Y"\n')
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "config", str(demo_study), "--no-auto-advance"],
        capture_output=True,
        text=True,
        env={**os.environ, "PURER_CODER": "ben"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert row(result.stdout, "coder").split()[1:] == ["ben", "environment", "(PURER_CODER)"]
    assert row(result.stdout, "auto_advance").split()[1:] == ["false", "command", "line", "(--no-auto-advance)"]
    assert row(result.stdout, "theme").split()[1:3] == ["nord", "user"]
    assert "config.toml:3)" in row(result.stdout, "theme")
    assert row(result.stdout, "keys.turn.flag").split()[1:3] == ["x", "user"]
    assert row(result.stdout, "keys.turn.goto").split()[1:3] == ["Y", "study"]
    # coder, auto_advance, theme and turn.flag from the user file; its turn.goto loses to the study's
    assert run("config", cwd=demo_study).stdout.count("user file") == 4


def test_config_outside_a_study_still_shows_the_settings(tmp_path: Path) -> None:
    result = run("config", cwd=tmp_path)
    assert result.returncode == 0 and "study file:    none here" in result.stdout
    named = run("config", str(tmp_path / "nowhere"))
    assert named.returncode == 2 and "no such file or folder" in named.stderr


def test_a_bad_settings_file_stops_config_and_code_with_one_line(demo_study: Path) -> None:
    path = user_file('[keys]\n"turn.flag" = "p"\n')
    for args in (["config"], ["code", "--coder", "cal"]):
        result = run(*args, cwd=demo_study)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0
        assert f"{path}:2: keys.turn.flag:" in result.stderr and "key of code phenomenology" in result.stderr
    user_file("auto_advance = 1\n")
    result = run("code", "--coder", "cal", cwd=demo_study)
    assert result.returncode == 1 and "config.toml:1: auto_advance: must be true or false" in result.stderr


def test_code_refuses_an_unknown_theme_before_starting(demo_study: Path) -> None:
    user_file('\ntheme = "solarised"\n')
    result = run("code", "--coder", "cal", cwd=demo_study)
    assert result.returncode == 1 and "config.toml:2: theme: " in result.stderr
    assert '"solarised" is not a Textual theme; use one of' in result.stderr and "nord" in result.stderr
    assert not list(demo_study.rglob("*.cal.jsonl")) and not list(demo_study.rglob(".*.lock"))


def test_config_never_imports_textual(demo_study: Path) -> None:
    user_file('theme = "nord"\nauto_advance = true\n')
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "purer_tui", "config"],
        capture_output=True,
        text=True,
        cwd=demo_study,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "textual" not in loaded and "rich" not in loaded
