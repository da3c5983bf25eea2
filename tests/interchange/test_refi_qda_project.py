"""What a `.qdpx` export carries for real importers: dated notes and selections, every coder's turn (coded,
reviewed with no code, flagged, or only a memo) with its memo where QualCoder and NVivo read it, and the
people who speak as cases with their variables."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.dataset import load_dataset
from purer_tui.core.study import load_study
from purer_tui.interchange.refi_qda_export import date_time, project_document
from purer_tui.interchange.refi_qda_format import CASE_VARIABLES, SelectionState, parse_selection_description
from tests.conftest import REPO, write

PROJECT_SCHEMA = xmlschema.XMLSchema(REPO / "tests" / "data" / "refi-qda" / "Project.xsd")
# 2024-05-01 09:50:00 UTC
WHEN = 1714557000

STUDY = """\
[study]
name = "Cases"
codebook = "c.toml"
transcripts = ["*.txt"]
metadata_pattern = 'grp(?P<group>\\d+)-s(?P<session>\\d+)'

[roles]
staff = ["Therapist"]
participant = ["P*"]
"""

CODEBOOK = """\
[codebook]
name = "c"
[codes.a]
key = "a"
label = "A"
definition = "a"
[codes.b]
key = "b"
label = "B"
definition = "b"
"""


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if local(c) == name), None)


def make_study(folder: Path) -> Path:
    write(folder / "purer.toml", STUDY)
    write(folder / "c.toml", CODEBOOK)
    write(folder / "grp1-s01.txt", "Therapist: Hello.\nP1: Hi.\nP2: Hey.\nTherapist: Go on.\nP1: Fine.\nP2: Ok.\n")
    write(folder / "grp1-s03.txt", "Therapist: Again.\nP1: Yes.\n")
    write(folder / "grp2-s01.txt", "Therapist: Welcome.\nP1: Thanks.\n")
    AnnotationFile.open(folder / "grp1-s01.ana.jsonl").put_many(
        [
            AnnotationRecord(1, ("a",), memo="coded, with a memo"),
            AnnotationRecord(2, ()),  # reviewed, nothing applies
            AnnotationRecord(3, (), memo="only a note", reviewed=False),
            AnnotationRecord(4, (), reviewed=False, flag=True),
            AnnotationRecord(5, ("a", "b"), flag=True),
            AnnotationRecord(6, ("gone",)),  # a code no longer in the codebook: reviewed, no coding
        ]
    )
    AnnotationFile.open(folder / "grp1-s01.ben.jsonl").put(AnnotationRecord(2, ("b",)))
    for path in folder.glob("*.jsonl"):
        os.utime(path, (WHEN, WHEN))
    return folder


def export(folder: Path) -> ET.Element:
    study = load_study(folder)
    project = project_document(load_dataset(study, ["ana", "ben"]))
    PROJECT_SCHEMA.validate(project.qde.decode("utf-8"))
    return ET.fromstring(project.qde)


def test_every_note_selection_and_coding_is_dated_by_its_coders_file(tmp_path: Path) -> None:
    folder = make_study(tmp_path / "s")
    root = export(folder)
    dated = [e for e in root.iter() if local(e) in ("Note", "PlainTextSelection", "Coding")]
    assert {local(e) for e in dated} == {"Note", "PlainTextSelection", "Coding"}
    assert date_time(WHEN) == "2024-05-01T09:50:00Z"
    assert all(e.get("creationDateTime") == "2024-05-01T09:50:00Z" for e in dated)
    assert all(e.get("modifiedDateTime") == "2024-05-01T09:50:00Z" for e in dated if local(e) != "Coding")
    # The same files give the same bytes; a coder's later change moves only that coder's dates.
    assert ET.tostring(export(folder)) == ET.tostring(root)
    os.utime(folder / "grp1-s01.ben.jsonl", (WHEN + 3600, WHEN + 3600))
    ben = next(u.get("guid") for u in root.iter() if local(u) == "User" and u.get("name") == "ben")
    later = {e.get("creationDateTime") for e in export(folder).iter() if e.get("creatingUser") == ben}
    assert later == {"2024-05-01T10:50:00Z"}


def test_every_turn_state_and_memo_reaches_the_file_both_ways(tmp_path: Path) -> None:
    root = export(make_study(tmp_path / "s"))
    users = {u.get("guid"): u.get("name") for u in root.iter() if local(u) == "User"}
    codes = {c.get("guid"): c.get("name") for c in root.iter() if local(c) == "Code"}
    notes = {n.get("guid"): n for n in root.iter() if local(n) == "Note"}
    seen: dict[tuple[str, int], tuple[list[str], SelectionState, str]] = {}
    source = next(s for s in root.iter() if local(s) == "TextSource" and s.get("name") == "grp1-s01")
    for selection in (e for e in source if local(e) == "PlainTextSelection"):
        described = child(selection, "Description")
        state = parse_selection_description(described.text or "" if described is not None else "")
        applied = [codes[c[0].get("targetGUID")] for c in selection if local(c) == "Coding"]
        note_ref = child(selection, "NoteRef")
        note_text = ""
        if note_ref is not None:
            content = child(notes[note_ref.get("targetGUID")], "PlainTextContent")
            note_text = content.text or "" if content is not None else ""
        turn = int(selection.get("name", "").rsplit(" ", 1)[1])
        seen[(users[selection.get("creatingUser")], turn)] = (applied, state, note_text)
    assert seen == {
        # QualCoder reads a coding's memo from the selection's Description, NVivo and MAXQDA from the note
        ("ana", 1): (["A"], SelectionState("coded, with a memo"), "coded, with a memo"),
        ("ana", 2): ([], SelectionState(reviewed=True), ""),
        ("ana", 3): ([], SelectionState("only a note"), "only a note"),  # no mark: not reviewed
        ("ana", 4): ([], SelectionState(flagged=True), ""),
        ("ana", 5): (["A", "B"], SelectionState(flagged=True), ""),
        ("ana", 6): ([], SelectionState(reviewed=True), ""),
        ("ben", 2): (["B"], SelectionState(), ""),
    }
    assert all(n.get("creationDateTime") or n.get("modifiedDateTime") for n in notes.values())


def test_people_are_cases_with_role_group_and_sessions(tmp_path: Path) -> None:
    root = export(make_study(tmp_path / "s"))
    variables = {v.get("guid"): v.get("name") for v in root.iter() if local(v) == "Variable"}
    sources = {s.get("guid"): s.get("name") for s in root.iter() if local(s) == "TextSource"}
    assert set(CASE_VARIABLES) <= set(variables.values())
    cases = {}
    for case in (c for c in root.iter() if local(c) == "Case"):
        values = {
            variables[v[0].get("targetGUID")]: child(v, "TextValue").text  # type: ignore[union-attr]
            for v in case
            if local(v) == "VariableValue"
        }
        refs = [sources[r.get("targetGUID")] for r in case if local(r) == "SourceRef"]
        cases[case.get("name")] = (values, refs)

    def person(label: str, role: str, group: str, sessions: str) -> dict[str, str]:
        return {"speaker role": role, "speaker group": group, "speaker sessions": sessions, "speaker label": label}

    assert cases == {
        "P1 (group 1)": (person("P1", "participant", "1", "1, 3"), ["grp1-s01", "grp1-s03"]),
        "P1 (group 2)": (person("P1", "participant", "2", "1"), ["grp2-s01"]),
        "P2 (group 1)": (person("P2", "participant", "1", "1"), ["grp1-s01"]),
        "Therapist (group 1)": (person("Therapist", "staff", "1", "1, 3"), ["grp1-s01", "grp1-s03"]),
        "Therapist (group 2)": (person("Therapist", "staff", "2", "1"), ["grp2-s01"]),
    }


def test_a_selection_name_starts_with_the_line_its_turn_starts_on(tmp_path: Path) -> None:
    """qc (qualitative-coding) places a selection by a leading `line:N` (0-based) in its name."""
    folder = make_study(tmp_path / "s")
    # a turn of two lines moves every later turn down one more line
    write(
        folder / "grp1-s01.txt", "Therapist: Hello.\nstill talking\nP1: Hi.\nP2: Hey.\nTherapist: Go on.\nP1: Fine.\n"
    )
    study = load_study(folder)
    project = project_document(load_dataset(study, ["ana", "ben"]))
    root = ET.fromstring(project.qde)
    source = next(s for s in root.iter() if local(s) == "TextSource" and s.get("name") == "grp1-s01")
    text = project.sources[source.get("plainTextPath", "").removeprefix("internal://")]
    lines = text.split("\n")
    for selection in (e for e in source if local(e) == "PlainTextSelection"):
        name = selection.get("name", "")
        number = int(name.split()[0].removeprefix("line:"))
        turn = int(name.rsplit(" ", 1)[1])
        start = int(selection.get("startPosition", "0"))
        assert text[:start].count("\n") == number, name  # the turn's text begins on that line
        assert lines[number].endswith(text[start:].split("\n", 1)[0]), name
        assert number == {1: 0, 2: 3, 3: 5, 4: 7, 5: 9}[turn], name


def test_the_studys_roles_travel_in_the_project_description_and_bad_ones_are_ignored(tmp_path: Path) -> None:
    from purer_tui.interchange.refi_qda_format import compose_roles_line, parse_roles_line

    root = export(make_study(tmp_path / "s"))
    description = child(root, "Description")
    assert description is not None
    assert parse_roles_line(description.text or "") == {"participant": ["P*"], "staff": ["Therapist"]}
    roles = {"participant": ["Participant *"]}
    assert parse_roles_line("Some words.\n\n" + compose_roles_line(roles)) == roles
    for bad in (
        "[purer-tui] roles: {not json",
        '[purer-tui] roles: {"Bad Role": ["x"]}',
        '[purer-tui] roles: {"staff": "Therapist"}',
        '[purer-tui] roles: {"staff": ["\\u001b[31m"]}',
        '[purer-tui] roles: ["staff"]',
        "no roles here",
    ):
        assert parse_roles_line(bad) is None, bad
