"""Studies: found by walking up, validated, transcripts listed in natural order."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.errors import InvalidFileError, UsageError
from purer_tui.core.study import find_study_file, load_study, study_settings, write_study_file
from tests.conftest import write


def test_the_study_is_found_from_any_folder_inside_it(demo_study: Path) -> None:
    inner = demo_study / "transcripts"
    assert find_study_file(inner) == demo_study / "purer.toml"
    assert find_study_file(demo_study / "purer.toml") == demo_study / "purer.toml"
    study = load_study(inner)
    assert study.name == "MORE demo group (fictional)"
    assert study.codebook_path == demo_study / "codebooks" / "purer.toml"
    assert study.load_codebook().info.name == "PURER processing and MORE stages"


def test_no_study_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="purer-tui init"):
        find_study_file(tmp_path)


def test_transcripts_in_natural_order_without_annotation_or_hidden_files(tmp_path: Path) -> None:
    for name in ["s10.txt", "s2.txt", "s1.vtt", "s1.ana.jsonl", ".s3.txt", "notes.md", "sub/s4.txt"]:
        write(tmp_path / "transcripts" / name, "Therapist: hi\n")
    write_study_file(
        tmp_path, study_settings("t", "codebook.toml", ["transcripts/*", "transcripts/**/*.txt", "transcripts/s2.txt"])
    )
    study = load_study(tmp_path)
    assert [p.relative_to(tmp_path / "transcripts").as_posix() for p in study.transcript_paths()] == [
        "notes.md",
        "s1.vtt",
        "s2.txt",
        "s10.txt",
        "sub/s4.txt",
    ]


def test_init_writes_a_study_file_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write_study_file(
        tmp_path,
        study_settings("My study", "codebooks/c.toml", ["transcripts/*.txt"]),
        ["staff", "participant", "family"],
    )
    text = path.read_text()
    assert text.startswith(
        '[study]\nname = "My study"\ncodebook = "codebooks/c.toml"\ntranscripts = [\n    "transcripts/*.txt",\n]\n'
    )
    with pytest.raises(UsageError, match="already exists"):
        write_study_file(tmp_path, study_settings("Other", "c.toml", []))
    assert load_study(tmp_path).settings.transcripts == ["transcripts/*.txt"]
    assert load_study(tmp_path).roles == {} and load_study(tmp_path).settings.metadata_pattern is None  # commented out
    # uncommented as written, the settings are valid and mean what the comments say
    path.write_text(
        "\n".join(
            line.removeprefix("# ")
            if line.startswith(("# metadata_pattern", "# [roles]", "# staff", "# participant", "# family"))
            else line
            for line in text.splitlines()
        )
    )
    study = load_study(tmp_path)
    assert study.settings.metadata_pattern == r"grp(?P<group>\d+)-s(?P<session>\d+)"
    assert study.roles == {
        "staff": ("Therapist",),
        "participant": ("Participant *",),
        "family": ("Speaker name", "Speaker *"),
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[study]\nname = "x"\n', "1: study.codebook: is required"),
        ('[study]\nname = "x"\ncodebook = "c.toml"\ntranscripts = "*.txt"\n', "4: study.transcripts: must be a list"),
        ('[study]\nname = "x"\ncodebook = "c.toml"\ncodbook = "d"\n', "4: study.codbook: is not a known field"),
        ('[studies]\nname = "x"\n', "1: studies: is not a study file table"),
        (
            '[study]\nname = "x"\ncodebook = "c.toml"\n[keys]\n"turn.nxt" = "x"\n',
            "4: keys.turn.nxt: no such key binding",
        ),
        ("[study\n", "1: TOML syntax error"),
        # a pattern a crafted file name makes run for hours (Python cannot stop a match once started)
        (
            '[study]\nname = "x"\ncodebook = "c.toml"\nmetadata_pattern = \'^(?P<x>(a|aa)+)$\'\n',
            "4: study.metadata_pattern: repeats inside repeats",
        ),
        (
            '[study]\nname = "x"\ncodebook = "c.toml"\nmetadata_pattern = \'(?P<x>.*).*.*.*.*z\'\n',
            "4: study.metadata_pattern: repeats inside repeats",
        ),
        (
            '[study]\nname = "x"\ncodebook = "c.toml"\n'
            "metadata_pattern = '^(?P<x>\\w{0,250}\\w{0,250}\\w{0,250}\\w{0,250})$'\n",
            "4: study.metadata_pattern: repeats inside repeats",
        ),
        # patterns Python's own parser cannot take: a crash before, a problem to fix now
        (
            '[study]\nname = "x"\ncodebook = "c.toml"\nmetadata_pattern = \''
            + "(" * 2000
            + "?P<x>a"
            + ")" * 2000
            + "'\n",
            "4: study.metadata_pattern: is too deeply nested",
        ),
        (
            '[study]\nname = "x"\ncodebook = "c.toml"\nmetadata_pattern = \'(?P<a>x{4294967296})\'\n',
            "4: study.metadata_pattern: is too deeply nested or repeats too many times",
        ),
    ],
)
def test_study_file_mistakes(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "purer.toml", text)
    with pytest.raises(InvalidFileError) as raised:
        load_study(tmp_path)
    found = [f"{p.line}: {p.message}" for p in raised.value.problems]
    assert any(problem.startswith(expected) for problem in found), found


@pytest.mark.parametrize("pattern", ["(?>(a+)+b)", "a?" * 40 + "a" * 40, "(?:a+)++", "(?P<g>(?>(a+)+b))"])
def test_slow_patterns_hidden_in_atomic_groups_or_many_small_repeats_are_caught(pattern: str) -> None:
    from purer_tui.core.study import slow_to_match

    assert slow_to_match(pattern)
