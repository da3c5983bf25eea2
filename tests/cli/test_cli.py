"""The command line as users run it: exit statuses, one-line errors, no tracebacks, safe output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from purer_tui import __version__
from purer_tui.cli import main
from tests.conftest import write


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real process, as a user starts it."""
    return subprocess.run(
        [sys.executable, "-m", "purer_tui", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"purer-tui {__version__}\n")


@pytest.mark.parametrize(
    "args", [["--help"], ["code", "--help"], ["check", "STUDY"], ["report", "--help"], ["stats", "STUDY"]]
)
def test_help_and_check_never_import_textual_or_rich(demo_study: Path, args: list[str]) -> None:
    args = [str(demo_study) if arg == "STUDY" else arg for arg in args]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "purer_tui", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "textual" not in imported and "rich" not in imported
    assert "pygal" not in imported  # only the commands that draw a chart load it


def test_every_command_has_help_with_an_example() -> None:
    for name in main.commands:
        code, out, _ = invoke(name, "--help")
        assert code == 0 and "Example" in out, name


def test_every_export_format_in_the_registry_is_offered_described_and_dispatched(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    import click

    from purer_tui.cli import export_formats
    from purer_tui.cli.export_formats import CODER, EXPORT_FORMATS, ExportRequest

    choice = next(param.type for param in main.commands["export"].params if param.name == "format_name")
    assert isinstance(choice, click.Choice) and list(choice.choices) == [chosen.name for chosen in EXPORT_FORMATS]
    _, help_text, _ = invoke("export", "--help")
    written: list[ExportRequest] = []
    monkeypatch.setattr(
        export_formats,
        "EXPORT_FORMATS",
        tuple(dataclasses.replace(chosen, write=written.append) for chosen in EXPORT_FORMATS),
    )
    for chosen in EXPORT_FORMATS:
        assert chosen.description in " ".join(help_text.split()) and all(
            example in help_text for example in chosen.examples
        ), chosen.name
        assert invoke("export", chosen.name, str(demo_study))[0] == 0 and len(written) == 1, chosen.name
        assert (written.pop().coding is not None) == (CODER in chosen.options), (
            chosen.name
        )  # the coding is read for --coder


def test_check_exit_statuses(demo_study: Path, tmp_path: Path) -> None:
    assert run("check", str(demo_study)).returncode == 0
    assert run("check", cwd=demo_study / "transcripts").returncode == 0  # found by walking up

    nowhere = tmp_path / "empty"
    nowhere.mkdir()
    result = run("check", str(nowhere))
    assert result.returncode == 2
    assert result.stderr.startswith("purer-tui: no purer.toml in ") and "Traceback" not in result.stderr

    write(demo_study / "transcripts" / "grp1-s01.ana.jsonl", '{"turn": 1, "codes": ["nope"]}\n')
    result = run("check", str(demo_study))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f'{demo_study / "transcripts" / "grp1-s01.ana.jsonl"}:1: turn 1: unknown code "nope"; '
        "add it to the codebook or remove it"
    ]


def test_check_prints_paths_relative_to_the_current_folder(demo_study: Path) -> None:
    write(demo_study / "transcripts" / "grp1-s01.ana.jsonl", "{oops\n")
    result = run("check", cwd=demo_study)
    assert result.stdout.startswith("transcripts/grp1-s01.ana.jsonl:1: not valid JSON")


def test_check_strict_fails_on_warnings(demo_study: Path) -> None:
    write(demo_study / "transcripts" / "stray.ana.jsonl", "")
    assert run("check", str(demo_study)).returncode == 0
    assert run("check", "--strict", str(demo_study)).returncode == 1


def test_broken_study_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    write(tmp_path / "purer.toml", "[study\n")
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.strip().endswith(
        "purer.toml:1: TOML syntax error at column 7: Expected ']' at the end of a table declaration"
    )


def test_turns_json(demo_study: Path) -> None:
    result = run("turns", str(demo_study / "transcripts" / "grp1-s03.vtt"), "--json")
    turns = json.loads(result.stdout)
    assert result.returncode == 0 and len(turns) == 11
    assert set(turns[0]) == {"turn", "speaker", "text", "start", "anchor"}
    assert turns[1]["speaker"] == "Participant 3" and turns[1]["start"] == 11.0


HOSTILE = (
    "Therapist: [bold red]hi[/] [@click=app.quit]x[/] \x1b]52;c;ZXZpbA==\x07 \x1b[2J \x9b31m \x7f done\n"
    "Participant 1: 好 مرحبا 🙂\n"
)


def test_turns_shows_markup_and_escapes_literally(tmp_path: Path) -> None:
    path = write(tmp_path / "hostile.txt", HOSTILE)
    table = run("turns", str(path))
    assert table.returncode == 0
    assert "\x1b" not in table.stdout and "\x9b" not in table.stdout and "\x07" not in table.stdout
    assert "[bold red]hi[/]" in table.stdout and "␛]52;c;ZXZpbA==␇" in table.stdout and "<U+009B>" in table.stdout
    as_json = run("turns", str(path), "--json")
    assert "\x1b" not in as_json.stdout and "\x9b" not in as_json.stdout and "\x7f" not in as_json.stdout
    assert json.loads(as_json.stdout)[0]["text"].startswith("[bold red]hi[/] [@click=app.quit]x[/] \x1b]52")


def test_turns_on_a_bad_file_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "utf16.txt", "Therapist: hi".encode("utf-16"))
    result = run("turns", str(path))
    assert result.returncode == 1
    assert result.stderr == f"purer-tui: {path}:1: the file is UTF-16 text; save it as UTF-8\n"
    assert run("turns", str(tmp_path / "missing.txt")).returncode == 1


def test_init_then_check(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "study"), "--name", "Pilot", "--codebook", "purer")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "study" / "codebooks" / "purer.toml").is_file()
    write(tmp_path / "study" / "transcripts" / "s1.txt", "Therapist: hi\nParticipant 1: hello\n")
    check = run("check", str(tmp_path / "study"))
    assert check.returncode == 0, check.stdout
    again = run("init", str(tmp_path / "study"))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_init_with_an_own_codebook_inside_the_folder(tmp_path: Path) -> None:
    write(tmp_path / "mine.toml", '[codebook]\nname = "Mine"\n[codes.a]\nlabel = "A"\ndefinition = "a"\n')
    assert run("init", str(tmp_path), "--codebook", str(tmp_path / "mine.toml")).returncode == 0
    assert 'codebook = "mine.toml"' in (tmp_path / "purer.toml").read_text()
    assert run("init", str(tmp_path / "x"), "--codebook", "nonesuch").returncode == 2


def test_init_refuses_a_codebook_with_problems_listing_them_all(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.toml",
        '[codebook]\nname = "Bad"\n[codes.a]\nlabel = "A"\nkey = "x"\n'
        '[codes.b]\nlabel = "B"\ndefinition = "b"\nkey = "x"\n',
    )
    result = run("init", str(tmp_path / "study"), "--codebook", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "codes.a.definition: is required" in result.stderr
        and 'codes.b.key: "x" is already the key of codes.a' in result.stderr
    )
    assert not (tmp_path / "study").exists()  # nothing written


def test_demo_writes_a_clean_study_and_never_overwrites(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "purer-tui check purer-demo" in result.stdout
    assert run("check", "purer-demo", cwd=tmp_path).returncode == 0
    assert len(list((tmp_path / "purer-demo").rglob("*.jsonl"))) == 5
    marker = write(tmp_path / "taken" / "keep.txt", "mine")
    refused = run("demo", str(tmp_path / "taken"))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["keep.txt"] and marker.read_text() == "mine"


def test_unexpected_errors_show_no_traceback_and_no_data(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import purer_tui.core.check as check_module

    def broken(start: Path) -> list:
        raise ValueError("Participant 1 said something private")

    monkeypatch.setattr(check_module, "check_study", broken)
    code, out, err = invoke("check", str(demo_study))
    assert code == 70
    assert "Traceback" not in err and "private" not in err + out
    assert "PURER_DEBUG=1" in err


def test_python_dash_m_and_console_script_agree() -> None:
    script = Path(sys.executable).parent / "purer-tui"
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, env={**os.environ})
    assert result.stdout == run("--version").stdout


def test_code_refuses_a_read_only_study_before_starting(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import purer_tui.services.coding_setup as coding_setup

    real_access = os.access
    # root writes anywhere, so a read-only folder is simulated: only the question "may I write?" is answered no
    monkeypatch.setattr(
        coding_setup.os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode)
    )
    code, _, err = invoke("code", str(demo_study), "--coder", "eve")
    assert code == 1 and "read-only" in err and "needs write access" in err


@pytest.mark.parametrize(
    "args, words",
    [
        (["--coder", "Not Valid"], "not a valid coder id"),
        (["nowhere-at-all"], "no such file or folder"),
    ],
)
def test_code_usage_errors_are_one_line(demo_study: Path, args: list[str], words: str) -> None:
    result = run("code", *[str(demo_study) if a == "STUDY" else a for a in args], cwd=demo_study)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_code_a_file_outside_any_study_needs_a_codebook(tmp_path: Path) -> None:
    transcript = write(tmp_path / "lone.txt", "A: hi\nB: yo\n")
    result = run("code", str(transcript), "--coder", "eve")
    assert result.returncode == 2 and "--codebook" in result.stderr


def test_init_and_demo_keep_transient_files_out_of_git(tmp_path: Path) -> None:
    write(tmp_path / "study" / ".gitignore", "*.bak")  # an existing file is kept and extended once
    assert run("init", str(tmp_path / "study")).returncode == 0
    assert (tmp_path / "study" / ".gitignore").read_text().splitlines() == [
        "*.bak",
        "# purer-tui: locks and journals of open coding sessions (transient, never shared)",
        ".*.lock",
        ".*.journal",
        "# purer-tui: a save interrupted by a crash (its content is still in the file it was saving)",
        ".*.tmp",
    ]
    assert run("demo", str(tmp_path / "demo")).returncode == 0
    assert ".*.journal" in (tmp_path / "demo" / ".gitignore").read_text()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--adjudicate", "ana"], "takes two coder ids"),
        (["--adjudicate", "ana,ana"], "adjudicate two different coders"),
        (["--adjudicate", "ana,ben", "--as", "ana"], "adjudicate two different coders"),
        (["--adjudicate", "ana,nobody"], 'no coder "nobody" in this study; its coders are ana, ben'),
    ],
)
def test_adjudicate_usage_errors(demo_study: Path, args: list[str], words: str) -> None:
    result = run("code", str(demo_study), *args)
    assert result.returncode == 2 and words in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--coder", "nobody"],
        ["stats", "--coder", "ana,nobody", "--json"],
        ["sequences", "--coder", "nobody"],
        ["quotes", "stage-1", "--coder", "nobody"],
        ["progress", "--coder", "nobody"],
        ["export", "csv", "--coder", "nobody"],
        ["export", "qdpx", "--coder", "nobody", "-o", "x.qdpx"],
        ["agree", "--coders", "ana,nobody"],
        ["disagreements", "--coders", "ana,nobody"],
        ["code", "--adjudicate", "nobody,ben"],
    ],
)
def test_a_coder_name_without_files_is_an_error_listing_the_study_coders(demo_study: Path, args: list[str]) -> None:
    result = run(*args, cwd=demo_study)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == 'purer-tui: no coder "nobody" in this study; its coders are ana, ben\n'
    assert not (demo_study / "x.qdpx").exists()


@pytest.mark.parametrize(
    "only, words",
    [
        (
            "participant 9",
            "no speaker or role of that name in these transcripts; "
            "the speakers: Participant 1, Participant 2, Participant 3, Therapist; the roles: participant, staff",
        ),
        ("\x1b]0;owned\x07", "␛]0;owned␇"),
    ],
)
def test_only_a_speaker_or_role_that_does_not_occur_is_an_error(demo_study: Path, only: str, words: str) -> None:
    result = run("code", "--coder", "eve", "--only", only, cwd=demo_study)
    assert result.returncode == 2 and words in result.stderr and "\x1b" not in result.stderr


def test_the_only_error_stays_one_short_line_whatever_the_transcripts_hold(demo_study: Path) -> None:
    write(
        demo_study / "transcripts" / "grp1-s04.txt",
        "".join(f"Speaker {'X' * 300} {n}: hello\nSpeaker {n}: hi\n" for n in range(60)),
    )
    result = run("code", "--coder", "eve", "--only", "nobody", cwd=demo_study)
    assert (
        result.returncode == 2
        and result.stderr.count("\n") == 1
        and len(result.stderr) < 2000
        and "more" in result.stderr
    )


def test_only_matches_speakers_and_roles_ignoring_case(demo_study: Path) -> None:
    from purer_tui.core.study import load_study
    from purer_tui.services.coding_setup import resolve_only

    study = load_study(demo_study)
    paths = study.transcript_paths()
    assert resolve_only(["participant 2"], paths, study) == {"Participant 2"}
    assert resolve_only(["PARTICIPANT"], paths, study) == {"Participant 1", "Participant 2", "Participant 3"}
    assert resolve_only(["staff", "participant 1"], paths, study) == {"Therapist", "Participant 1"}


def test_every_report_says_first_which_coders_it_uses(demo_study: Path) -> None:
    line = "Coders: ana, ben (every coder)"
    for args in (["stats"], ["sequences"], ["quotes", "stage-1"], ["progress"]):
        result = run(*args, cwd=demo_study)
        assert result.returncode == 0 and result.stdout.splitlines()[0] == line, args
    for args in (["stats", "--csv"], ["quotes", "stage-1", "--markdown"], ["progress", "--csv"], ["export", "csv"]):
        result = run(*args, cwd=demo_study)
        assert result.stderr.splitlines()[0] == line and line not in result.stdout, (
            args
        )  # files and scripts get the data alone
    for args in (["stats", "--json"], ["quotes", "stage-1", "--json"], ["progress", "--json"]):
        data = json.loads(run(*args, cwd=demo_study).stdout)
        assert data["coders"] == {
            "used": ["ana", "ben"],
            "summary": "coders: ana, ben (every coder)",
            "consensus": None,
        }, args


def test_adjudicating_a_settled_pair_says_so_and_exits_zero(demo_study: Path) -> None:
    from purer_tui.core.annotations import AnnotationFile

    for name in ("grp1-s01", "grp1-s02"):  # ben takes ana's codes on every turn he reviewed: nothing to settle
        ana = AnnotationFile.open(demo_study / "transcripts" / f"{name}.ana.jsonl")
        ben = AnnotationFile.open(demo_study / "transcripts" / f"{name}.ben.jsonl")
        ben.put_many(ana.get(turn) for turn in ben.records)
    result = run("code", "--adjudicate", "ana,ben", cwd=demo_study)
    assert result.returncode == 0
    assert result.stdout.startswith(
        "ana and ben decided 25 turn(s) alike: in consensus (25 added now); no disagreement;"
    )
    stats = run("stats", cwd=demo_study)
    assert stats.stdout.splitlines()[0] == (
        "Coder: consensus (25 of 25 turns both ana and ben reviewed; "
        "not in it: 15 turn(s) only one of them reviewed; --coder chooses)"
    )
    (demo_study / "transcripts" / "grp1-s03.eve.jsonl").write_text('{"codes":["stage-4"],"turn":2}\n')
    assert (
        "not in it: 15 turn(s) only one of them reviewed and the coding of eve; --coder chooses"
        in run("stats", cwd=demo_study).stdout
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["--codebook", "../cb.toml"], None),  # a codebook beside the folder is copied in
        (["--transcripts", "../elsewhere/*.txt"], "reaches outside the study folder"),
    ],
)
def test_init_with_paths_around_the_folder(tmp_path: Path, args: list[str], words: str | None) -> None:
    write(tmp_path / "cb.toml", '[codebook]\nname = "Mine"\n[codes.a]\nlabel = "A"\ndefinition = "a"\n')
    study = tmp_path / "study"
    study.mkdir()
    result = run("init", ".", *args, cwd=study)
    if words is None:
        assert result.returncode == 0, result.stderr
        assert (study / "codebooks" / "cb.toml").is_file() and 'codebook = "codebooks/cb.toml"' in (
            study / "purer.toml"
        ).read_text()
    else:
        assert result.returncode == 2 and words in result.stderr and "internal error" not in result.stderr
        assert list(study.iterdir()) == []  # refused before anything was written


def test_turns_shows_a_huge_turn_in_part_and_json_whole(tmp_path: Path) -> None:
    transcript = write(tmp_path / "one.txt", "A: " + "word " * 300_000 + "\nB: short\n")
    shown = run("turns", str(transcript))
    assert shown.returncode == 0 and "--json gives every turn whole" in shown.stdout and len(shown.stdout) < 10_000
    whole = json.loads(run("turns", str(transcript), "--json").stdout)
    assert len(whole[0]["text"]) == len(("word " * 300_000).strip())


def test_progress_with_pictures_prints_one_line_saying_where(demo_study: Path, tmp_path: Path) -> None:
    svg, html = tmp_path / "grid.svg", tmp_path / "grid.html"
    status, out, err = invoke("progress", str(demo_study), "--svg", str(svg), "--html", str(html))
    assert status == 0 and svg.read_text().startswith("<svg") and "<html" in html.read_text().lower()
    assert out.strip().splitlines() == [out.strip()]  # one line, not the table
    assert out.startswith("Wrote ") and "grid.svg" in out and "grid.html" in out
    status, out, err = invoke("progress", str(demo_study), "--svg", str(svg), "--json")  # asked for: still printed
    assert status == 0 and json.loads(out)["cases"] and "grid.svg" in err


def test_progress_refuses_json_and_csv_together_before_writing_a_picture(demo_study: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["progress", str(demo_study), "--svg", str(tmp_path / "p.svg"), "--json", "--csv"]
    )
    assert result.exit_code != 0 and not (tmp_path / "p.svg").exists()
