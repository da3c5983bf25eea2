"""Reports on a small study whose answers are computed by hand below."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.dataset import load_dataset
from purer_tui.core.study import load_study
from purer_tui.reports.progress import build_grid, grid_table
from purer_tui.reports.quotes import find_quotes, quotes_markdown
from purer_tui.reports.sequences import sequence_counts
from purer_tui.reports.stats import cooccurrence_table, flagged_table, frequency_tables, reviewed_table
from tests.conftest import REPO, write

# Two sessions of one group. Session 1: T (therapist), P1, T, P2. Session 2: T, P1, P1 again, T.
SESSION_1 = (
    "Therapist: What did you notice?\nParticipant 1: My mind raced.\n"
    "Therapist: That is the practice.\nParticipant 2: I pushed it away.\n"
)
SESSION_2 = (
    "Therapist: And this week?\nParticipant 1: I saw the thought as a thought.\n"
    "Participant 1: And the pain felt warm.\nTherapist: Wonderful.\n"
)

# ana codes both sessions; ben only session 1.
ANA = {
    "g1-s1": {1: ["phenomenology"], 2: ["stage-1"], 3: ["reframing", "reinforcement"], 4: ["stage-2b"]},
    "g1-s2": {1: ["phenomenology"], 2: ["stage-3"], 3: ["stage-4"], 4: ["reinforcement"]},
}
BEN = {"g1-s1": {1: ["phenomenology", "education"], 2: ["stage-2a"], 3: ["reframing"], 4: []}}


@pytest.fixture
def study(tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    write(folder / "codebooks" / "purer.toml", (REPO / "codebooks" / "purer.toml").read_text())
    write(
        folder / "purer.toml",
        '[study]\nname = "small"\ncodebook = "codebooks/purer.toml"\ntranscripts = ["t/*.txt"]\n'
        "metadata_pattern = 'g(?P<group>\\d+)-s(?P<session>\\d+)'\n"
        '[roles]\nstaff = ["Therapist"]\nparticipant = ["Participant *"]\n',
    )
    write(folder / "t" / "g1-s1.txt", SESSION_1)
    write(folder / "t" / "g1-s2.txt", SESSION_2)
    for coder, coding in (("ana", ANA), ("ben", BEN)):
        for name, turns in coding.items():
            AnnotationFile.open(folder / "t" / f"{name}.{coder}.jsonl").put_many(
                AnnotationRecord(n, tuple(c)) for n, c in turns.items()
            )
    return folder


def data_for(study: Path, coders: list[str] | None = None):  # type: ignore[no-untyped-def]
    return load_dataset(load_study(study), coders)


def test_default_coders_are_everyone_until_the_consensus_is_complete(study: Path) -> None:
    data = data_for(study)
    assert data.coders == ["ana", "ben"] and data.choice.summary == "coders: ana, ben (every coder)"
    consensus = AnnotationFile.open(study / "t" / "g1-s1.consensus.jsonl")
    consensus.put(AnnotationRecord(1, ("phenomenology",)))
    partial = data_for(study)  # 1 of the 4 turns both decided: never used silently in their place
    assert partial.coders == ["ana", "ben"]
    assert (
        "the consensus covers only 1 of 4 turns both ana and ben reviewed, so it is not used" in partial.choice.summary
    )
    consensus.put_many(AnnotationRecord(n, ()) for n in (2, 3, 4))
    complete = data_for(study)
    assert complete.coders == ["consensus"]
    # ana alone coded session 2: the first line says the consensus figures leave it out
    assert complete.choice.summary == (
        "coder: consensus (4 of 4 turns both ana and ben reviewed; "
        "not in it: 4 turn(s) only one of them reviewed; --coder chooses)"
    )
    assert complete.choice.as_json()["consensus"] == {
        "coder": "consensus",
        "settles": ["ana", "ben"],
        "turns": 4,
        "of": 4,
        "complete": True,
    }
    named = data_for(study, ["ana", "consensus"])
    assert named.choice.summary == "coders: ana, consensus (consensus: 4 of 4 turns both ana and ben reviewed)"


def test_a_coder_with_no_file_is_refused_with_the_study_coders(study: Path) -> None:
    from purer_tui.core.errors import UsageError

    with pytest.raises(UsageError, match='no coder "nobody" in this study; its coders are ana, ben'):
        data_for(study, ["nobody"])


def test_turns_reviewed_per_transcript_and_coder(study: Path) -> None:
    assert reviewed_table(data_for(study)).rows == [["g1-s1", 4, 4, 4], ["g1-s2", 4, 4, 0]]


def test_memo_only_lines_are_not_reviewed_and_flags_are_counted(study: Path) -> None:
    ben = AnnotationFile.open(study / "t" / "g1-s2.ben.jsonl")
    ben.put_many(
        [AnnotationRecord(1, (), "come back", reviewed=False), AnnotationRecord(2, (), reviewed=False, flag=True)]
    )
    ana = AnnotationFile.open(study / "t" / "g1-s1.ana.jsonl")
    ana.put(ana.get(3)._replace(flag=True))  # reviewed and flagged: its codes still count in the reports
    data = data_for(study)
    assert reviewed_table(data).rows == [["g1-s1", 4, 4, 4], ["g1-s2", 4, 4, 0]]
    assert flagged_table(data).rows == [["g1-s1", 1, 0], ["g1-s2", 0, 1]]
    assert len(data.coded) == 12


def test_frequencies_by_transcript_coder_role_and_session(study: Path) -> None:
    tables = {t.title: t for t in frequency_tables(data_for(study))}

    def row(title: str, label: str) -> list:  # type: ignore[type-arg]
        return next(r for r in tables[title].rows if r[0] == label)[1:]

    # phenomenology: ana s1 t1, ana s2 t1, ben s1 t1 = 3; by transcript 2 + 1
    assert tables["Code frequencies by transcript"].columns == ["code", "g1-s1", "g1-s2", "total"]
    assert row("Code frequencies by transcript", "Phenomenology") == [2, 1, 3]
    assert row("Code frequencies by coder", "Phenomenology") == [2, 1, 3]
    assert row("Code frequencies by coder", "Reinforcement") == [2, 0, 2]
    assert tables["Code frequencies by speaker role"].columns == ["code", "staff", "participant", "total"]
    assert row("Code frequencies by speaker role", "1 Attention dysregulation") == [0, 1, 1]
    assert row("Code frequencies by session", "Reframing") == [2, 0, 2]


def test_codes_on_the_same_turn(study: Path) -> None:
    # ana s1 t3: reframing + reinforcement; ben s1 t1: phenomenology + education
    assert cooccurrence_table(data_for(study)).rows == [
        ["Phenomenology", "Education", 1],
        ["Reframing", "Reinforcement", 1],
    ]


def test_what_follows_what(study: Path) -> None:
    """Next turn by another speaker, coded by the same coder.

    ana s1: t1 phenomenology -> t2 stage-1; t2 stage-1 -> t3 reframing, reinforcement; t3 -> t4 stage-2b; t4 -> none.
    ana s2: t1 phenomenology -> t2 stage-3; t2 (P1) -> next other speaker is t4 (t3 is P1 again): reinforcement;
            t3 stage-4 -> t4 reinforcement.
    ben s1: t1 phenomenology, education -> t2 stage-2a; t2 -> t3 reframing; t3 reframing -> t4 reviewed, no code.
    """
    followed, pairs = sequence_counts(data_for(study))
    assert followed["phenomenology"] == 3
    assert (
        pairs[("phenomenology", "stage-1")] == 1
        and pairs[("phenomenology", "stage-3")] == 1
        and pairs[("phenomenology", "stage-2a")] == 1
    )
    assert pairs[("stage-3", "reinforcement")] == 1  # skips the same speaker's next turn
    assert pairs[("reframing", "stage-2b")] == 1 and pairs[("reframing", "(no code)")] == 1
    assert followed["reframing"] == 2 and followed["stage-2b"] == 0


def test_sequence_shares_in_the_command(study: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "sequences", "--json"], cwd=study, capture_output=True, text=True
    )
    output = json.loads(result.stdout)
    assert output["coders"]["used"] == ["ana", "ben"]
    rows = output["tables"][0]["rows"]
    assert ["Reframing", "(no code)", 1, 2, 0.5] in rows


def test_progress_grid(study: Path) -> None:
    data = data_for(study)
    grid = build_grid(data)
    assert grid.stages.id == "stage" and grid.moves.id == "purer"
    assert grid.columns == ["session 1", "session 2"]
    assert grid.cases == ["Participant 1 (group 1)", "Participant 2 (group 1)"]
    assert grid.cells == {
        ("Participant 1 (group 1)", "session 1"): ["stage-1", "stage-2a"],  # ana 1, ben 2a
        ("Participant 2 (group 1)", "session 1"): ["stage-2b"],
        ("Participant 1 (group 1)", "session 2"): ["stage-3", "stage-4"],
    }
    assert grid.move_counts["session 1"] == {"phenomenology": 2, "reframing": 2, "reinforcement": 1, "education": 1}
    table = grid_table(data, grid)
    assert [cell.value for cell in table.rows[0][1:]] == ["1 2a", "3 4"]
    assert "bold" in table.rows[0][2].style  # the furthest stage is emphasised (in its colour)
    assert table.rows[-1] == ["PURER moves (therapist) (counts)", "p2 r2 e1 f1", "p1 f1"]


def test_markdown_quotes_with_citations(study: Path) -> None:
    data = data_for(study)
    quotes = find_quotes(data, ["stage-4", "stage-3"], context=1)
    assert [(q.transcript, q.turn.number, q.coders) for q in quotes] == [("g1-s2", 2, ["ana"]), ("g1-s2", 3, ["ana"])]
    markdown = quotes_markdown(quotes, data)
    assert "> I saw the thought as a thought.\n>\n> (g1-s2, turn 2, Participant 1)" in markdown
    assert "*Therapist:* And this week?" in markdown
    assert find_quotes(data, ["stage-3", "stage-4"], context=0, every=True) == []
    assert [q.turn.number for q in find_quotes(data, ["reframing"], 0)] == [3]  # coded by both: quoted once
    assert find_quotes(data, ["reframing"], 0)[0].coders == ["ana", "ben"]


def test_markdown_quotes_keep_markup_literal(study: Path) -> None:
    write(study / "t" / "g1-s1.txt", SESSION_1.replace("My mind raced.", "My *mind* [raced](http://x) <b>"))
    data = data_for(study)
    markdown = quotes_markdown(find_quotes(data, ["stage-1"], 0), data)
    assert "My \\*mind\\* \\[raced\\](http://x) \\<b\\>" in markdown


def test_progress_pictures_and_other_formats(study: Path) -> None:
    svg, html = study / "grid.svg", study / "grid.html"
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "progress", "--svg", str(svg), "--html", str(html)],
        cwd=study,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert svg.read_text().startswith("<svg") and "Participant" in svg.read_text()
    assert "<html" in html.read_text().lower() and "session&#160;2" in html.read_text().replace(" ", "&#160;")
    grid = json.loads(
        subprocess.run(
            [sys.executable, "-m", "purer_tui", "progress", "--json"], cwd=study, capture_output=True, text=True
        ).stdout
    )
    assert grid["cases"][0]["furthest"] == {"session 1": "stage-2a", "session 2": "stage-4"}
    rows = list(
        csv.reader(
            io.StringIO(
                subprocess.run(
                    [sys.executable, "-m", "purer_tui", "stats", "--csv"], cwd=study, capture_output=True, text=True
                ).stdout
            )
        )
    )
    assert rows[0] == ["table", "transcript", "turns", "ana", "ben"]


def test_progress_lists_the_moves_in_codebook_order_whatever_the_hash_seed(demo_study: Path) -> None:
    """The per-session counts of the therapist's moves came in the order of a set of ids, which changes
    from run to run with Python's hash seed; JSON and CSV now follow the codebook."""
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        result = subprocess.run(
            [sys.executable, "-m", "purer_tui", "progress", "--json"],
            cwd=demo_study,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
    moves = json.loads(outputs.pop())["moves"]
    order = ["phenomenology", "utilization", "reframing", "education", "reinforcement"]
    for counts in moves.values():
        assert list(counts) == [code for code in order if code in counts]


def test_codebook_manual(study: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "codebook", "show", "--markdown"], cwd=study, capture_output=True, text=True
    )
    text = result.stdout
    assert text.startswith("# PURER processing and MORE stages\n")
    assert "## Stage of progression (participant)" in text and "One code of this group per turn at most." in text
    assert "### `p` Phenomenology (`phenomenology`)" in text and "**Include:**" in text and "**Examples:**" in text
    readable = subprocess.run(
        [sys.executable, "-m", "purer_tui", "codebook", "show"], cwd=study, capture_output=True, text=True
    )
    assert "Phenomenology" in readable.stdout and "include:" in readable.stdout


def test_check_warns_about_codes_on_the_wrong_role_and_unknown_metadata(study: Path) -> None:
    AnnotationFile.open(study / "t" / "g1-s2.ana.jsonl").put(AnnotationRecord(1, ("stage-1",)))
    study_file = study / "purer.toml"
    study_file.write_text(study_file.read_text() + '[metadata."g9-s9"]\nsession = 9\n')
    result = subprocess.run([sys.executable, "-m", "purer_tui", "check"], cwd=study, capture_output=True, text=True)
    assert result.returncode == 0  # warnings
    assert "turn 1: stage-1 is for participant turns, but Therapist is staff" in result.stdout
    assert 'metadata.g9-s9: no transcript is named "g9-s9"' in result.stdout


def test_an_invalid_metadata_pattern_is_an_error(study: Path) -> None:
    study_file = study / "purer.toml"
    study_file.write_text(study_file.read_text().replace("g(?P<group>", "g(?P<group"))
    result = subprocess.run([sys.executable, "-m", "purer_tui", "check"], cwd=study, capture_output=True, text=True)
    assert result.returncode == 1 and "study.metadata_pattern: is not a valid regular expression" in result.stdout
