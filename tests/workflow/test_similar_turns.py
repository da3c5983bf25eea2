"""`purer-tui similar` on the demo study: the turns found, the coder's codes, and the signed similarity cache."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from purer_tui.cli import main
from purer_tui.core.errors import UsageError
from purer_tui.core.study import load_study
from purer_tui.core.transcript import load_transcript
from purer_tui.core.user_state import signature_of
from purer_tui.services import similar_turns as similar_module
from purer_tui.services.similar_turns import CACHE_PREFIX, SimilarTurns, find_similar_turns

S01 = "transcripts/grp1-s01.txt"


def similar(study: Path, turn: int = 4, coder: str = "ana", name: str = S01, top: int = 10) -> SimilarTurns:
    return find_similar_turns(load_study(study), study / name, turn, coder, top)


def cache_files(study: Path) -> list[Path]:
    folder = study / ".purer" / "cache"
    return sorted(folder.glob(f"{CACHE_PREFIX}*.json")) if folder.is_dir() else []


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The turns tokenized (every turn of each transcript read for its words; none read only to be shown)."""
    read: list[str] = []
    real = similar_module.tokenize

    def tokenize(text: str) -> list[str]:
        read.append(text)
        return real(text)

    monkeypatch.setattr(similar_module, "tokenize", tokenize)
    return read


def test_the_turns_most_like_one_come_with_the_coder_s_codes(demo_study: Path) -> None:
    found = similar(demo_study, top=3)
    assert (found.asked.name, found.asked.turn, found.asked.speaker, found.asked.codes) == (
        S01,
        4,
        "Therapist",
        ("phenomenology",),
    )
    # turn 4 ("Your mind kept going to Thursday. What happened when you noticed that?") shares mind, kept,
    # Thursday with turn 3, and mind, happened with turn 5 of the second session
    assert [(turn.name, turn.turn) for turn in found.found] == [
        (S01, 3),
        ("transcripts/grp1-s02.txt", 5),
        ("transcripts/grp1-s02.txt", 2),
    ]
    assert [turn.codes for turn in found.found] == [("stage-1",), ("phenomenology", "reframing"), ("stage-1",)]
    assert found.found[0].speaker == "Participant 1" and "Thursday" in found.found[0].text
    assert found.found[0].score > found.found[1].score > found.found[2].score > 0
    with pytest.raises(UsageError, match='no coder "eve" in this study'):  # a typo shows no one's codes
        similar(demo_study, coder="eve")


def test_the_command_prints_each_turn_with_the_coder_s_decision(demo_study: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["similar", str(demo_study / S01), "4", "--coder", "ana", "--top", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Turns like turn 4 of {S01} (Therapist):"
    assert lines[2] == "  ana: phenomenology"
    assert lines[4].startswith(f" 1. {S01} turn 3 · Participant 1 · score ")
    assert lines[6] == "    ana: stage-1"
    assert lines[9] == "    ana: phenomenology, reframing"
    result = runner.invoke(
        main, ["similar", str(demo_study / S01), "4", "--top", "1", "--json"], env={"PURER_CODER": "ben"}
    )
    data = json.loads(result.output)
    assert data["coder"] == "ben" and data["turn"]["reviewed"] is True
    assert [(turn["transcript"], turn["turn"], turn["reviewed"]) for turn in data["similar"]] == [(S01, 3, True)]
    assert data["similar"][0]["score"] > 0 and "Thursday" in data["similar"][0]["text"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([S01, "40"], "has 17 turn(s); turn 40 is out of range, name one from 1 to 17"),
        (["transcripts/nothing.txt", "1"], "transcripts/nothing.txt: no such file"),
        (["purer.toml", "1"], "purer.toml is not a transcript of the study"),
    ],
)
def test_a_turn_out_of_range_or_an_unknown_file_is_one_line_and_writes_nothing(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str], message: str
) -> None:
    monkeypatch.chdir(demo_study)
    result = CliRunner().invoke(main, ["similar", *arguments])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output and "Traceback" not in result.output
    assert not (demo_study / ".purer").exists()


def test_the_cache_is_reused_and_a_changed_transcript_alone_is_read_again(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = similar(demo_study, turn=3)
    assert (first.reused, first.indexed) == (0, 3) and len(cache_files(demo_study)) == 3
    assert (demo_study / ".purer" / ".gitignore").read_text().endswith("\n*\n")  # kept out of git
    read = counting_reads(monkeypatch)
    again = similar(demo_study, turn=3)
    assert (again.reused, again.indexed, len(read)) == (3, 0, 0)
    assert again.found == first.found
    s02 = demo_study / "transcripts" / "grp1-s02.txt"
    s02.write_text(s02.read_text() + "\nParticipant 2  9:59\nThursday, the appointment, my medication: thinking.\n")
    changed = similar(demo_study, turn=3)
    assert (changed.reused, changed.indexed) == (2, 1)
    assert read == [turn.text for turn in load_transcript(s02).turns]  # the changed transcript's turns only
    new_turn = changed.found[0]
    assert (new_turn.name, new_turn.text) == (
        "transcripts/grp1-s02.txt",
        "Thursday, the appointment, my medication: thinking.",
    )
    assert new_turn.codes is None
    assert (similar(demo_study, turn=3).reused, len(cache_files(demo_study))) == (3, 3)


def test_a_transcript_gone_from_the_study_takes_its_cache_with_it(demo_study: Path) -> None:
    similar(demo_study)
    (demo_study / "transcripts" / "grp1-s03.vtt").unlink()
    assert (similar(demo_study).indexed, len(cache_files(demo_study))) == (0, 2)


def test_a_planted_unsigned_or_foreign_cache_is_ignored_and_made_again(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = similar(demo_study).found
    files = cache_files(demo_study)
    text = files[0].read_text()
    header, _, payload = text.partition("\n")
    data = json.loads(payload)
    data["turns"] = ["zebra"] * len(data["turns"])  # words the transcript does not hold
    planted = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    another_key = bytes(range(32))  # a teammate's key: the file came with a pull
    cases = [
        f"{header}\n{planted}",  # this user's signature over other contents
        planted,  # unsigned
        f"purer-tui similarity cache {signature_of(planted, another_key)}\n{planted}",
        "purer-tui similarity cache 00\n[",  # damaged
    ]
    for case in cases:
        files[0].write_text(case)
        read = counting_reads(monkeypatch)
        found = similar(demo_study)
        assert (found.reused, found.indexed) == (2, 1), case[:40]
        assert found.found == truth and len(read) > 0
        assert files[0].read_text() == text  # made again, signed
    other = cache_files(demo_study)[1]
    files[0].write_text(other.read_text())  # another transcript's own signed file, under this one's name
    assert similar(demo_study).indexed == 1 and files[0].read_text() == text


def test_a_cache_folder_that_is_a_link_is_never_read_or_written_through(demo_study: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (demo_study / ".purer").mkdir()
    (demo_study / ".purer" / "cache").symlink_to(outside)
    assert similar(demo_study).indexed == 3
    assert similar(demo_study).indexed == 3  # nothing cached: it could only have gone out of the study
    assert list(outside.iterdir()) == []


def test_the_cache_is_never_more_readable_than_its_transcript(demo_study: Path) -> None:
    private = demo_study / S01
    private.chmod(0o400)
    similar(demo_study)
    modes = {}
    for path in load_study(demo_study).transcript_paths():
        name = similar_module._cache_name(path.relative_to(demo_study).as_posix())
        modes[path.name] = stat.S_IMODE(os.stat(demo_study / ".purer" / "cache" / name).st_mode)
    assert modes == {"grp1-s01.txt": 0o400, "grp1-s02.txt": 0o600, "grp1-s03.vtt": 0o600}
    assert stat.S_IMODE(os.stat(demo_study / ".purer" / "cache").st_mode) == 0o700


def test_a_line_break_in_a_transcript_name_forges_no_line(demo_study: Path) -> None:
    transcripts = demo_study / "transcripts"
    (transcripts / "x\n 9. fake.txt").write_bytes((transcripts / "grp1-s01.txt").read_bytes())
    result = CliRunner().invoke(main, ["similar", str(demo_study / S01), "4", "--coder", "ana", "--top", "20"])
    assert result.exit_code == 0, result.output
    assert "x␤ 9. fake.txt" in result.output
    assert not any(line.startswith(" 9. fake") for line in result.output.splitlines())
