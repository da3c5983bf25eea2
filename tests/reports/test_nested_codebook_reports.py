"""Reports over a nested codebook (issue 16, item 3): the coding manual shows the tree, and the progress
and agreement reports, which list groups, neither crash nor mix up two groups of one name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import load_codebook
from purer_tui.core.dataset import load_dataset
from purer_tui.core.study import load_study
from purer_tui.reports.codebook_manual import manual_markdown
from purer_tui.reports.progress import build_grid, grid_table
from tests.conftest import REPO, write

NESTED = REPO / "tests" / "data" / "codebooks" / "nested.toml"
# Two groups labelled "Other", under different parents, as NVivo trees often have.
TWO_OTHERS = """
[groups.other-curriculum]
label = "Other"
parent = "curriculum"
exclusive = true

[codes.other-subject]
group = "other-curriculum"
key = "o"
label = "Another subject"
definition = "d"

[codes.no-subject]
group = "other-curriculum"
key = "y"
label = "No subject"
definition = "d"

[groups.assessment]
label = "Assessment"

[groups.other-assessment]
label = "Other"
parent = "assessment"

[codes.other-assessment-code]
group = "other-assessment"
key = "v"
label = "Another assessment"
definition = "d"
"""
CODING = {
    "ana": {1: ["petrarchan", "other-assessment-code"], 2: ["stage-1", "other-subject"], 3: ["general"]},
    "ben": {1: ["petrarchan"], 2: ["stage-1", "no-subject"], 3: ["music"]},
}


def nested_study(folder: Path) -> Path:
    write(folder / "codebook.toml", NESTED.read_text() + TWO_OTHERS)
    write(
        folder / "purer.toml",
        '[study]\nname = "n"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n'
        '[roles]\nstaff = ["Therapist"]\nparticipant = ["Participant *"]\n',
    )
    write(folder / "s.txt", "Therapist: hello\nParticipant 1: hi\nTherapist: more\n")
    for coder, turns in CODING.items():
        AnnotationFile.open(folder / f"s.{coder}.jsonl").put_many(
            AnnotationRecord(n, tuple(codes)) for n, codes in turns.items()
        )
    return folder


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "purer_tui", *args], cwd=folder, capture_output=True, text=True)


def test_the_markdown_manual_heads_each_group_with_its_place_and_nests_codes_under_codes() -> None:
    text = manual_markdown(load_codebook(NESTED))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Nested",
        "## Curriculum",  # no codes of its own, but groups under it have some
        "## Curriculum › Interdisciplinary connections",
        "### `c` General connections (`general`)",
        "## Curriculum › Interdisciplinary connections › Computer science with another subject",
        "### `a` Arts and humanities (`arts`)",
        "#### `w` Writing (`writing`)",
        "##### Poetry and verse forms (`poetry`)",
        "###### Sonnets (`sonnets`)",
        "###### Volta placement (`volta`)",  # Markdown stops at six levels; the "Under" line says the rest
        "###### In the ninth line (`ninth`)",
        "###### `x` Petrarchan sonnets with a volta in the ninth line (`petrarchan`)",
        "### `u` Music (`music`)",
        "## Stage",
        "### `1` One (`stage-1`)",
    ]
    assert "Under Arts and humanities.\n\nWriting." in text
    assert (
        "Under Arts and humanities › Writing › Poetry and verse forms › Sonnets › Volta placement › "
        "In the ninth line.\n\nThe deepest code." in text
    )
    assert "Under" not in text.split("## Stage")[1]  # a top-level code reads as before


def test_the_printed_manual_indents_codes_under_codes(tmp_path: Path) -> None:
    result = run(tmp_path, "codebook", "show", "--file", str(NESTED))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Curriculum › Interdisciplinary connections" in lines
    assert "Curriculum" not in lines  # on screen a heading names its place; none without codes
    indents = {line.split("(")[-1].rstrip(")"): line.index("■") for line in lines if "■" in line and "(" in line}
    assert [indents[code] for code in ("arts", "writing", "poetry", "sonnets", "volta", "ninth")] == [
        2,
        4,
        6,
        8,
        10,
        12,
    ]
    assert indents["music"] == indents["stage-1"] == indents["general"] == 2
    assert lines[lines.index(next(line for line in lines if "(writing)" in line)) + 1] == "        Writing."


def test_progress_works_over_a_nested_codebook(tmp_path: Path) -> None:
    data = load_dataset(load_study(nested_study(tmp_path / "n")))
    grid = build_grid(data)
    assert grid.stages.id == "other-curriculum"  # the first exclusive group, in the codebook's depth-first order
    assert list(grid.cells.values()) == [["other-subject", "no-subject"]]  # ana's and ben's, on turn 2's case
    assert grid_table(data, grid).title == "Progression: Other"
    result = run(tmp_path / "n", "progress", "--stages", "stage")
    assert result.returncode == 0, result.stderr
    assert "Progression: Stage" in result.stdout and "1" in result.stdout


def test_agreement_names_nested_groups_by_their_place(tmp_path: Path) -> None:
    folder = nested_study(tmp_path / "n")
    readable = run(folder, "agree")
    assert readable.returncode == 0, readable.stderr
    text = " ".join(readable.stdout.split())  # as wrapped at the terminal's width
    # Each table is titled by its group's place: the two "Other" groups stay apart.
    assert "Curriculum › Other" in text and "Assessment › Other" in text
    assert "Curriculum › Interdisciplinary connections › Computer science with another subject" in text
    data = json.loads(run(folder, "agree", "--json").stdout)
    assert {group["group"] for group in data["exclusive_groups"]} == {"stage", "other-curriculum"}
    codes = {code["code"]: code for code in data["codes"]}
    assert codes["petrarchan"]["group"] == "cs-other" and codes["other-assessment-code"]["group"] == "other-assessment"
    assert run(folder, "agree", "--csv").returncode == 0
