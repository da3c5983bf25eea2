"""`purer-tui import qdpx`: projects written the way QualCoder, NVivo and MAXQDA write them become studies with
their codes on the right turns, a purer-tui export comes back exactly, and hostile projects write nothing
outside the new study."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xmlschema

from purer_tui.core.annotation_paths import annotation_files
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.case_metadata import speaker_role, transcript_info
from purer_tui.core.errors import InvalidFileError, UsageError
from purer_tui.core.study import load_study
from purer_tui.core.transcript import load_transcript
from purer_tui.interchange.refi_qda_import import import_codebook
from purer_tui.services import project_import as project_import_module
from purer_tui.services.project_import import (
    NO_TEXT,
    NOT_CODABLE,
    OUTSIDE_TEXT,
    UNKNOWN_CODE,
    ImportOutcome,
    _grazes,
    _Names,
    import_project,
    transcript_name,
)
from tests.conftest import REPO

PROJECT_SCHEMA = xmlschema.XMLSchema(REPO / "tests" / "data" / "refi-qda" / "Project.xsd")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "purer_tui", *args], cwd=cwd, capture_output=True, text=True)


def make_qdpx(path: Path, qde: str, entries: dict[str, str | bytes] | None = None, validate: bool = True) -> Path:
    """A project zip: project.qde (checked against the REFI-QDA schema) and its source entries."""
    if validate:
        PROJECT_SCHEMA.validate(qde)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, content in (entries or {}).items():
            archive.writestr(name, content)
    return path


def annotations(study: Path) -> dict[tuple[str, str], dict[int, AnnotationRecord]]:
    """Every annotation file of a study, by (transcript name, coder)."""
    loaded = load_study(study)
    found = {}
    for transcript in loaded.transcript_paths():
        for coder, path in annotation_files(transcript).items():
            found[(transcript.stem, coder)] = dict(AnnotationFile.open(path).records)
    return found


def span(text: str, part: str, occurrence: int = 1) -> tuple[int, int]:
    """Where `part` lies in `text` (its n-th occurrence), in code points."""
    start = -1
    for _ in range(occurrence):
        start = text.index(part, start + 1)
    return start, start + len(part)


# --- QualCoder --------------------------------------------------------------------------------------
#
# QualCoder writes lower-case GUIDs, one user per coder name, a coding's memo as the selection's
# <Description>, journals as dated project <Note>s, cases with source references, and categories as
# non-codable codes.

QC_ANNA, QC_DEFAULT = "0f1e2d3c-4b5a-4968-8776-655443322110", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
QC_EMOTIONS, QC_FEAR, QC_JOY, QC_HOPE = (f"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee{n}" for n in range(4))
QC_SOURCE, QC_FAR_SOURCE = "5b0a9c8d-7e6f-4a5b-9c8d-7e6f5a4b3c2d", "6c1b0a9d-8e7f-4b6c-8d9e-0f1a2b3c4d5e"
QC_TEXT = (
    "Interviewer: How did it feel when the pain came back?\n"
    "Anna: I was scared at first. Then it got better, slowly.\n"
    "Interviewer: And now?\n"
    "Anna: Now I am hopeful.\n"
)


def qualcoder_project() -> str:
    scared = span(QC_TEXT, "I was scared at first.")
    hopeful = span(QC_TEXT, "Now I am hopeful.")
    dated = 'creationDateTime="2024-05-02T10:11:12Z" modifiedDateTime="2024-05-02T10:11:12Z"'

    def selection(number: int, where: tuple[int, int], user: str, inner: str) -> str:
        return (
            f'<PlainTextSelection guid="9d9d9d9d-0000-4000-8000-00000000000{number}" name="sel{number}" '
            f'startPosition="{where[0]}" endPosition="{where[1]}" creatingUser="{user}" {dated}>{inner}'
            "</PlainTextSelection>"
        )

    def coding(number: int, code: str, user: str) -> str:
        return (
            f'<Coding guid="8e8e8e8e-0000-4000-8000-00000000000{number}" creatingUser="{user}" '
            f'creationDateTime="2024-05-02T10:11:12Z"><CodeRef targetGUID="{code}"/></Coding>'
        )

    selections = "".join(
        [
            selection(
                1, scared, QC_ANNA, "<Description>first reaction: fear</Description>" + coding(1, QC_FEAR, QC_ANNA)
            ),
            selection(
                2,
                hopeful,
                QC_DEFAULT,
                coding(2, QC_JOY, QC_DEFAULT) + '<NoteRef targetGUID="7f7f7f7f-0000-4000-8000-000000000001"/>',
            ),
            selection(3, hopeful, QC_ANNA, coding(3, QC_HOPE, QC_ANNA)),
            selection(4, hopeful, QC_ANNA, coding(4, QC_EMOTIONS, QC_ANNA)),  # a category: not codable
            selection(5, scared, QC_ANNA, coding(5, "01234567-89ab-4cde-8f01-23456789abcd", QC_ANNA)),
            selection(6, (len(QC_TEXT) + 5, len(QC_TEXT) + 9), QC_ANNA, coding(6, QC_JOY, QC_ANNA)),
        ]
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Pain interviews" origin="QualCoder 3.5" {dated}>
<Users><User guid="{QC_ANNA}" name="Anna Smith"/><User guid="{QC_DEFAULT}" name="default"/></Users>
<CodeBook><Codes>
<Code guid="{QC_EMOTIONS}" name="Emotions" isCodable="false"><Description>Feelings</Description>
<Code guid="{QC_FEAR}" name="Fear" isCodable="true" color="#E0A0A0"><Description>Fear.</Description></Code>
<Code guid="{QC_JOY}" name="Joy" isCodable="true"/>
</Code>
<Code guid="{QC_HOPE}" name="Hope" isCodable="true"/>
</Codes></CodeBook>
<Cases><Case guid="3c3c3c3c-0000-4000-8000-000000000001" name="Anna">\
<SourceRef targetGUID="{QC_SOURCE}"/></Case></Cases>
<Sources>
<TextSource guid="{QC_SOURCE}" name="Interview 1.txt" plainTextPath="internal://{QC_SOURCE}.txt" {dated}>
<Description>Interviewed at home.</Description>{selections}</TextSource>
<TextSource guid="{QC_FAR_SOURCE}" name="Elsewhere" plainTextPath="relative://../../etc/passwd">
{selection(7, (0, 4), QC_ANNA, coding(7, QC_JOY, QC_ANNA))}</TextSource>
</Sources>
<Notes>
<Note guid="7f7f7f7f-0000-4000-8000-000000000001" name="memo" creatingUser="{QC_DEFAULT}" {dated}>\
<PlainTextContent>She smiles.</PlainTextContent></Note>
<Note guid="7f7f7f7f-0000-4000-8000-000000000002" name="Journal" creatingUser="{QC_ANNA}" {dated}>\
<PlainTextContent>Project journal.</PlainTextContent></Note>
</Notes>
</Project>"""


def test_a_qualcoder_project_lands_on_the_right_turns(tmp_path: Path) -> None:
    project = make_qdpx(tmp_path / "qc.qdpx", qualcoder_project(), {f"sources/{QC_SOURCE}.txt": QC_TEXT})
    result = run(tmp_path, "import", "qdpx", "qc.qdpx", "study")
    assert result.returncode == 0, result.stderr
    study = tmp_path / "study"
    assert load_study(study).name == "Pain interviews"
    transcript = study / "transcripts" / "Interview-1.txt"
    assert transcript.read_text(encoding="utf-8") == QC_TEXT
    assert [turn.speaker for turn in load_transcript(transcript).turns] == [
        "Interviewer",
        "Anna",
        "Interviewer",
        "Anna",
    ]
    ids = import_codebook(project, "x").code_ids
    found = annotations(study)
    assert set(found) == {("Interview-1", "anna-smith"), ("Interview-1", "default")}
    anna, default = found[("Interview-1", "anna-smith")], found[("Interview-1", "default")]
    # a coder who coded in a source reviewed all of it: what they left uncoded does not apply
    assert sorted(anna) == [1, 2, 3, 4] and sorted(default) == [1, 2, 3, 4]
    assert anna[1].codes == anna[3].codes == () and anna[1].reviewed and anna[3].reviewed
    assert [default[n].codes for n in (1, 2, 3)] == [(), (), ()]
    assert anna[2].codes == (ids[QC_FEAR],) and anna[2].memo == "first reaction: fear" and anna[2].reviewed
    assert anna[4].codes == (ids[QC_HOPE],) and anna[4].memo == ""
    assert default[4].codes == (ids[QC_JOY],) and default[4].memo == "She smiles."
    turns = load_transcript(transcript).turns
    assert anna[2].anchor == turns[1].anchor and default[4].anchor == turns[3].anchor
    out = result.stdout
    assert "Sources: 1 transcript(s), 4 turn(s)." in out
    assert "Elsewhere: not imported: its text is a file outside the project" in out
    assert "Anna Smith -> anna-smith" in out and "default -> default" in out
    assert "Codings placed: 3 (codings of the project);" in out
    assert "Partial (selecting part of a turn, applied to the whole turn): 1." in out
    assert f"transcripts/Interview-1.txt turn(s) 2: {ids[QC_FEAR]} (anna-smith)" in out
    assert "Spanning (across turns, applied to each; a coding can be partial too): 0." in out
    for count, reason in ((1, NOT_CODABLE), (1, UNKNOWN_CODE), (1, OUTSIDE_TEXT), (1, NO_TEXT)):
        assert f"  {count} coding: {reason}" in out
    assert "Unplaced: 4." in out
    assert "1 x description (memo) of a text source" in out
    assert "1 x case" in out and "saved as text files: notes/Journal.txt" in out
    assert run(tmp_path, "check", "study").returncode == 0


# --- NVivo and MAXQDA ---------------------------------------------------------------------------------
#
# Upper-case GUIDs (some in braces), codes nested several levels, several users, several notes on one
# selection, selections inside part of a turn and across turns, PDF and audio sources, a Set, and a text
# source that names no speakers.

NV_USERS = ("A1B2C3D4-0000-4000-8000-00000000000A", "A1B2C3D4-0000-4000-8000-00000000000B")
NV_USERS += ("A1B2C3D4-0000-4000-8000-00000000000C",)
NV_COPING, NV_BREATH, NV_DISTRACT, NV_TV, NV_HOPE = (f"C0DE0000-0000-4000-8000-00000000000{n}" for n in range(1, 6))
NV_GROUP_TEXT = (
    "Moderator: Welcome, everyone. What helps when the pain is bad?\n"
    "\n"
    "P1: Breathing slowly helps me, and sometimes the TV.\n"
    "\n"
    "P2: I watch TV too.\n"
    "It takes my mind off it.\n"
    "\n"
    "Moderator: Anything else?\n"
    "\n"
    "P1: Hope, mostly.\n"
)
NV_DIARY = (
    "Monday. The pain was bad today.\n\nTuesday. I tried breathing exercises.\nThey helped a bit.\n\nWednesday.\n"
)
NV_GROUP, NV_DIARY_GUID = "50000000-0000-4000-8000-0000000000AA", "50000000-0000-4000-8000-0000000000BB"


def nvivo_project() -> str:
    jane, jane_too, omer = NV_USERS
    breathing = span(NV_GROUP_TEXT, "Breathing slowly")  # inside part of P1's turn
    across = (span(NV_GROUP_TEXT, "the TV.")[0], span(NV_GROUP_TEXT, "I watch TV too.")[1])  # turns 2 and 3
    hope = span(NV_GROUP_TEXT, "Hope, mostly.")
    tuesday = span(NV_DIARY, "I tried breathing exercises.\nThey helped a bit.")

    def selection(number: int, where: tuple[int, int], user: str, inner: str) -> str:
        return (
            f'<PlainTextSelection guid="5E1EC000-0000-4000-8000-00000000000{number}" startPosition="{where[0]}" '
            f'endPosition="{where[1]}" creatingUser="{user}">{inner}</PlainTextSelection>'
        )

    def coding(number: int, code: str, user: str) -> str:
        return f'<Coding guid="C0D10000-0000-4000-8000-00000000000{number}" creatingUser="{user}">\
<CodeRef targetGUID="{code}"/></Coding>'

    group_selections = "".join(
        [
            selection(1, breathing, jane, coding(1, NV_BREATH, jane)),
            selection(
                2,
                across,
                jane_too,
                coding(2, "{" + NV_TV + "}", jane_too)
                + '<NoteRef targetGUID="{40000000-0000-4000-8000-000000000001}"/>'
                + '<NoteRef targetGUID="40000000-0000-4000-8000-000000000002"/>',
            ),
            selection(3, hope, omer, coding(3, NV_HOPE, omer) + coding(4, NV_COPING, jane)),
        ]
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Pain focus groups" origin="NVivo 14">
<Users><User guid="{jane}" name="Dr. Jane Doe" id="JD"/><User guid="{jane_too}" name="Jane Doe"/>\
<User guid="{omer}" name="Ömer Kaya" id="OK"/></Users>
<CodeBook><Codes>
<Code guid="{NV_COPING}" name="Coping" isCodable="true" color="#FF8800"><Description>Dealing with pain.</Description>
<Code guid="{NV_BREATH}" name="Breathing" isCodable="true"/>
<Code guid="{NV_DISTRACT}" name="Distraction" isCodable="true"><Code guid="{NV_TV}" name="TV" isCodable="true"/></Code>
</Code>
<Code guid="{NV_HOPE}" name="Hope" isCodable="true"/>
</Codes></CodeBook>
<Sources>
<TextSource guid="{NV_GROUP}" name="Focus group 1" plainTextPath="internal://{NV_GROUP}.txt">{group_selections}
<NoteRef targetGUID="40000000-0000-4000-8000-000000000003"/></TextSource>
<TextSource guid="{NV_DIARY_GUID}" name="Diary"><PlainTextContent>{NV_DIARY}</PlainTextContent>
{selection(5, tuesday, omer, coding(5, NV_BREATH, omer))}</TextSource>
<PDFSource guid="50000000-0000-4000-8000-0000000000CC" name="Leaflet" path="internal://leaflet.pdf">
<PDFSelection guid="5E1EC000-0000-4000-8000-000000000009" page="1" firstX="0" firstY="0" secondX="9" secondY="9">\
{coding(9, NV_HOPE, jane)}</PDFSelection></PDFSource>
<AudioSource guid="50000000-0000-4000-8000-0000000000DD" name="Recording" path="internal://rec.mp3"/>
</Sources>
<Notes>
<Note guid="40000000-0000-4000-8000-000000000001" creatingUser="{jane_too}"><PlainTextContent>Both watch TV.\
</PlainTextContent></Note>
<Note guid="40000000-0000-4000-8000-000000000002" creatingUser="{omer}"><PlainTextContent>Distraction, not \
avoidance?</PlainTextContent></Note>
<Note guid="40000000-0000-4000-8000-000000000003" creatingUser="{jane}"><PlainTextContent>Group was tired.\
</PlainTextContent></Note>
</Notes>
<Sets><Set guid="5E750000-0000-4000-8000-000000000001" name="Key codes">\
<MemberCode targetGUID="{NV_HOPE}"/></Set></Sets>
</Project>"""


def test_an_nvivo_project_lands_on_the_right_turns(tmp_path: Path) -> None:
    project = make_qdpx(tmp_path / "nv.qdpx", nvivo_project(), {f"Sources/{NV_GROUP}.txt": NV_GROUP_TEXT})
    outcome = import_project(project, tmp_path / "study")
    ids = {guid.upper(): code for guid, code in import_codebook(project, "x").code_ids.items()}
    assert outcome.coders == [("Dr. Jane Doe", "dr-jane-doe"), ("Jane Doe", "jane-doe"), ("Ömer Kaya", "omer-kaya")]
    found = annotations(tmp_path / "study")
    group = "Focus-group-1"
    coded = {turn: record.codes for turn, record in found[(group, "dr-jane-doe")].items() if record.codes}
    assert coded == {
        2: (ids[NV_BREATH],),
        5: (ids[NV_COPING],),  # the coding's own user, not the selection's
    }
    tv = {turn: record for turn, record in found[(group, "jane-doe")].items() if record.codes}
    assert sorted(tv) == [2, 3] and all(record.codes == (ids[NV_TV],) for record in tv.values())
    assert tv[2].memo == tv[3].memo == "Both watch TV."
    # every other turn of the source counts as reviewed with no code, for each coder who coded in it
    assert all(record.reviewed for record in found[(group, "jane-doe")].values())
    assert len(found[(group, "jane-doe")]) == len(load_transcript(tmp_path / "study" / "transcripts" / f"{group}.txt"))
    assert found[(group, "omer-kaya")][5].codes == (ids[NV_HOPE],)
    # the second note was written by another user: it is that user's memo, on both turns
    assert {turn: record.memo for turn, record in found[(group, "omer-kaya")].items() if record.memo} == {
        2: "Distraction, not avoidance?",
        3: "Distraction, not avoidance?",
    }
    # they coded in this source, so their turns without a code count as reviewed (no code applies)
    assert found[(group, "omer-kaya")][2].reviewed and found[(group, "omer-kaya")][2].codes == ()
    diary_turns = load_transcript(tmp_path / "study" / "transcripts" / "Diary.txt").turns
    assert [turn.text.split(".")[0] for turn in diary_turns] == ["Monday", "Tuesday", "Wednesday"]
    assert {turn: r.codes for turn, r in found[("Diary", "omer-kaya")].items()} == {1: (), 2: (ids[NV_BREATH],), 3: ()}
    sources = {source.name: source for source in outcome.sources}
    assert sources["Diary"].paragraphs and not sources["Focus group 1"].paragraphs
    assert sources["Focus group 1"].turns == 5
    assert outcome.codings_placed == 5
    partial = [(p.transcript, p.turns, p.code) for p in outcome.partial]
    assert partial == [
        ("transcripts/Focus-group-1.txt", (2,), ids[NV_BREATH]),
        ("transcripts/Focus-group-1.txt", (2, 3), ids[NV_TV]),
        ("transcripts/Diary.txt", (2,), ids[NV_BREATH]),  # "Tuesday. " is not selected
    ]
    assert [(p.turns, p.code) for p in outcome.spanning] == [((2, 3), ids[NV_TV])]
    assert not outcome.unplaced
    assert outcome.not_carried == {
        "PDF source": 1,
        "coding on a PDF source": 1,
        "audio source": 1,
        "set": 1,
    }
    assert outcome.notes_saved == ["notes/Group-was-tired.txt"]  # the note on the whole source: kept as a file


def test_the_summary_names_paragraph_turns_and_what_was_left_out(tmp_path: Path) -> None:
    make_qdpx(tmp_path / "nv.qdpx", nvivo_project(), {f"Sources/{NV_GROUP}.txt": NV_GROUP_TEXT})
    result = run(tmp_path, "import", "qdpx", "nv.qdpx", "study")
    assert result.returncode == 0, result.stderr
    assert (
        "Diary -> transcripts/Diary.txt: 3 turn(s) (no speakers found: each paragraph became a turn)" in result.stdout
    )
    assert "Dr. Jane Doe -> dr-jane-doe" in result.stdout
    assert "Spanning (across turns, applied to each; a coding can be partial too): 1." in result.stdout
    for line in ("1 x PDF source", "1 x audio source", "1 x set", "1 x coding on a PDF source"):
        assert line in result.stdout
    # a note on no coded passage is kept as a text file of the study
    assert "Notes on no coded passage, saved as text files: notes/Group-was-tired.txt" in result.stdout
    assert (tmp_path / "study" / "notes" / "Group-was-tired.txt").read_text(encoding="utf-8") == "Group was tired.\n"
    assert "Unplaced: 0." in result.stdout


# --- Round trip ---------------------------------------------------------------------------------------


def test_export_then_import_reproduces_every_coders_turns(tmp_path: Path, demo_study: Path) -> None:
    """Codes, memos, review state and flags of every coder on every turn, per the REFI-QDA contract:
    reviewed turns without codes and flags travel as the `[purer-tui]` line of a selection's description."""
    s01 = demo_study / "transcripts" / "grp1-s01.txt"
    ana = AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.ana.jsonl")
    anchors = {turn.number: turn.anchor for turn in load_transcript(s01).turns}
    ana.put(AnnotationRecord(6, (), "Only a note, not reviewed yet.", anchors[6], reviewed=False))
    ana.put(AnnotationRecord(7, (), "", anchors[7], reviewed=False, flag=True))
    ana.put(AnnotationRecord(8, (), "Nothing applies.\n\nSecond paragraph.", anchors[8], flag=True))
    ana.put(AnnotationRecord(9, ("stage-1",), "Flagged and coded.", anchors[9], flag=True))
    ben = AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.ben.jsonl")
    ben.put(AnnotationRecord(10, (), "", anchors[10]))  # reviewed, no code, no memo
    assert run(demo_study, "export", "qdpx", "-o", str(tmp_path / "demo.qdpx")).returncode == 0
    result = run(tmp_path, "import", "qdpx", "demo.qdpx", "back")
    assert result.returncode == 0, result.stderr

    def states(study: Path) -> dict[tuple[str, str], dict[int, tuple[object, ...]]]:
        return {
            key: {
                turn: (set(record.codes), record.memo, record.reviewed, record.flag, record.anchor)
                for turn, record in records.items()
            }
            for key, records in annotations(study).items()
        }

    before, after = states(demo_study), states(tmp_path / "back")
    assert sorted(after) == sorted(before)
    for key in before:
        assert after[key] == before[key], key
    assert "Unplaced: 0." in result.stdout and "Partial (selecting part of a turn, applied to the whole turn): 0." in (
        result.stdout
    )

    # the sources' variables come back as the transcripts' fields (the reports order sessions by them)
    def fields(study: Path) -> dict[str, dict[str, str]]:
        loaded = load_study(study)
        return {path.stem: transcript_info(loaded, path).fields for path in loaded.transcript_paths()}

    assert fields(tmp_path / "back") == fields(demo_study)

    # and the speakers' roles, from the cases (the progression view and role checks use them)
    def roles(study: Path) -> dict[str, str | None]:
        loaded = load_study(study)
        speakers = {s for path in loaded.transcript_paths() for s in load_transcript(path).speakers}
        return {speaker: speaker_role(loaded, speaker) for speaker in speakers}

    assert roles(tmp_path / "back") == roles(demo_study)
    assert load_study(tmp_path / "back").roles == load_study(demo_study).roles  # the globs too
    assert set(roles(demo_study).values()) == {"staff", "participant"}
    assert "case" not in result.stdout and "set" not in result.stdout  # ours are carried, not "left out"

    # each turn's speaker, text and start (a caption file's milliseconds too)
    def turns(study: Path) -> dict[str, list[tuple[str, str, float | None]]]:
        loaded = load_study(study)
        return {
            path.stem: [(t.speaker, t.text, t.start) for t in load_transcript(path).turns]
            for path in loaded.transcript_paths()
        }

    assert turns(tmp_path / "back") == turns(demo_study)
    assert any(start % 1 for starts in turns(demo_study).values() for _, _, start in starts if start)


# --- Hostile and unusable input -----------------------------------------------------------------------

SIMPLE_USER = "11111111-0000-4000-8000-000000000001"
SIMPLE_CODE = "22222222-0000-4000-8000-000000000001"


def simple_project(sources: str, name: str = "Simple", origin: str = "Another program") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="{name}" origin="{origin}">
<Users><User guid="{SIMPLE_USER}" name="ana"/></Users>
<CodeBook><Codes><Code guid="{SIMPLE_CODE}" name="Hope" isCodable="true"/></Codes></CodeBook>
<Sources>{sources}</Sources>
</Project>"""


def text_source(number: int, name: str, where: str, coded: tuple[int, int] | None = (0, 3)) -> str:
    inner = ""
    if coded is not None:
        inner = (
            f'<PlainTextSelection guid="33333333-0000-4000-8000-00000000000{number}" startPosition="{coded[0]}" '
            f'endPosition="{coded[1]}"><Coding guid="44444444-0000-4000-8000-00000000000{number}">'
            f'<CodeRef targetGUID="{SIMPLE_CODE}"/></Coding></PlainTextSelection>'
        )
    return (
        f'<TextSource guid="55555555-0000-4000-8000-00000000000{number}" name="{name}" plainTextPath="{where}">'
        f"{inner}</TextSource>"
    )


def test_paths_out_of_the_project_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Ana: secret\n")
    sources = "".join(
        [
            text_source(1, "relative", "relative://../secret.txt"),
            text_source(2, "absolute", f"file://{secret}"),
            text_source(3, "climbing", "internal://../../secret.txt"),
            text_source(4, "plain absolute", str(secret)),
            text_source(5, "fine", "internal://fine.txt"),
        ]
    )
    project = make_qdpx(tmp_path / "p.qdpx", simple_project(sources), {"sources/fine.txt": "Ana: hope\nBen: yes\n"})
    outcome = import_project(project, tmp_path / "study")
    written = sorted(p.name for p in (tmp_path / "study" / "transcripts").iterdir())
    assert written == ["fine.ana.jsonl", "fine.txt"]
    missing = {source.name: source.missing for source in outcome.sources if not source.transcript}
    assert set(missing) == {"relative", "absolute", "climbing", "plain absolute"}
    assert "outside the project" in missing["climbing"] and "never followed" in missing["relative"]
    assert outcome.unplaced == {f"coding: {NO_TEXT}": 4}
    assert "secret" not in "".join(p.read_text() for p in (tmp_path / "study").rglob("*") if p.is_file())


def test_an_entry_name_climbing_out_refuses_the_project_and_writes_nothing(tmp_path: Path) -> None:
    project = make_qdpx(
        tmp_path / "p.qdpx",
        simple_project(text_source(1, "a", "internal://a.txt")),
        {"sources/a.txt": "Ana: x\n", "../../evil.txt": "x"},
    )
    result = run(tmp_path, "import", "qdpx", project.name, "study")
    assert result.returncode == 1 and "unsafe entry name" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "study").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_huge_entries_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from purer_tui.interchange import refi_qda_project

    monkeypatch.setattr(refi_qda_project, "MAX_SOURCE_BYTES", 1000)
    sources = text_source(1, "big", "internal://big.txt") + text_source(2, "small", "internal://small.txt")
    project = make_qdpx(
        tmp_path / "p.qdpx",
        simple_project(sources),
        {"sources/big.txt": "Ana: " + "a" * 5000, "sources/small.txt": "Ana: ok"},
    )
    outcome = import_project(project, tmp_path / "study")
    missing = {source.name: source.missing for source in outcome.sources}
    assert "too large" in missing["big"] and missing["small"] == ""
    assert not (tmp_path / "study" / "transcripts" / "big.txt").exists()


def test_an_entry_that_unpacks_to_more_than_it_claims_is_not_read(tmp_path: Path) -> None:
    project = make_qdpx(tmp_path / "p.qdpx", simple_project(text_source(1, "liar", "internal://liar.txt")))
    with zipfile.ZipFile(project, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("sources/liar.txt", "Ana: " + "b" * 4000)
    data = bytearray(project.read_bytes())
    # make the central directory claim 10 bytes for the entry
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    project.write_bytes(bytes(data))
    with pytest.raises(InvalidFileError, match="unpack"):
        import_project(project, tmp_path / "study")
    assert not (tmp_path / "study").exists()


def test_a_folder_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    project = make_qdpx(
        tmp_path / "p.qdpx", simple_project(text_source(1, "a", "internal://a.txt")), {"sources/a.txt": "Ana: x\n"}
    )
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "notes.md").write_text("mine")
    result = run(tmp_path, "import", "qdpx", project.name, "study")
    assert result.returncode == 2 and "is not empty" in result.stderr
    assert [p.name for p in (tmp_path / "study").iterdir()] == ["notes.md"]
    (tmp_path / "empty").mkdir()
    assert run(tmp_path, "import", "qdpx", project.name, "empty").returncode == 0
    assert (tmp_path / "empty" / "purer.toml").is_file()


def test_source_names_become_safe_unique_file_names(tmp_path: Path) -> None:
    names = ["../../x", "tab&#9;and&#10;newline", "CON", "Interview 1", "interview 1", "\u202eevil.txt", "Zoë.docx", ""]
    sources = "".join(text_source(n + 1, name, f"internal://s{n}.txt", None) for n, name in enumerate(names))
    entries: dict[str, str | bytes] = {f"sources/s{n}.txt": f"Ana: text {n}\n" for n in range(len(names))}
    outcome = import_project(make_qdpx(tmp_path / "p.qdpx", simple_project(sources), entries), tmp_path / "study")
    assert [source.transcript.removeprefix("transcripts/") for source in outcome.sources] == [
        "x.txt",
        "tab-and-newline.txt",
        "CON-source.txt",
        "Interview-1.txt",
        "interview-1-2.txt",
        "evil.txt",
        "Zoë.txt",
        "source.txt",
    ]
    assert not (tmp_path / "x.txt").exists() and not (tmp_path.parent / "x.txt").exists()
    assert sorted(p.name for p in (tmp_path / "study" / "transcripts").iterdir()) == sorted(
        s.transcript.removeprefix("transcripts/") for s in outcome.sources
    )


def test_a_failure_while_writing_leaves_no_half_made_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_qdpx(
        tmp_path / "p.qdpx", simple_project(text_source(1, "a", "internal://a.txt")), {"sources/a.txt": "Ana: x\n"}
    )

    def full_disk(self: AnnotationFile, records: object) -> None:
        raise OSError(28, "No space left on device", str(self.path))

    monkeypatch.setattr(AnnotationFile, "replace_all", full_disk)
    with pytest.raises(OSError):
        import_project(project, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(OSError):
        import_project(project, tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not a zip at all", "is not a zip"),
        (None, "holds no codes"),
    ],
)
def test_unusable_projects_are_one_line_errors(tmp_path: Path, content: bytes | None, words: str) -> None:
    path = tmp_path / "p.qdpx"
    if content is None:
        make_qdpx(path, '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="n"/>')
    else:
        path.write_bytes(content)
    result = run(tmp_path, "import", "qdpx", "p.qdpx", "study")
    assert result.returncode == 1 and words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "study").exists()


def test_memos_are_cut_to_the_core_limit_and_said_so(tmp_path: Path) -> None:
    note = "n" * 25_000
    source = (
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="a" plainTextPath="internal://a.txt">'
        f'<PlainTextSelection guid="33333333-0000-4000-8000-000000000001" startPosition="0" endPosition="3">'
        f"<Description>{note}</Description></PlainTextSelection></TextSource>"
    )
    project = make_qdpx(tmp_path / "p.qdpx", simple_project(source), {"sources/a.txt": "Ana: x\n"})
    outcome: ImportOutcome = import_project(project, tmp_path / "study")
    assert outcome.memos_cut == [("transcripts/a.txt", 1, "ana")]
    [record] = annotations(tmp_path / "study")[("a", "ana")].values()
    assert len(record.memo) == 20_000 and not record.reviewed


def test_review_marks_and_memos_in_selections_follow_the_contract(tmp_path: Path) -> None:
    """How purer-tui exports a coder's turn: the memo as <Description> and as a referenced <Note> (taken once),
    `[purer-tui] reviewed` / `flagged` as the description's last line; with codings a turn is reviewed."""
    text = "Ana: one\nBen: two\nAna: three\nBen: four\nAna: five\n"

    def selection(number: int, turn: str, description: str, coded: bool = False, note: bool = False) -> str:
        where = span(text, turn)
        inner = f"<Description>{description}</Description>" if description else ""
        if coded:
            inner += (
                f'<Coding guid="44444444-0000-4000-8000-00000000000{number}" creatingUser="{SIMPLE_USER}">'
                f'<CodeRef targetGUID="{SIMPLE_CODE}"/></Coding>'
            )
        if note:
            inner += f'<NoteRef targetGUID="66666666-0000-4000-8000-00000000000{number}"/>'
        return (
            f'<PlainTextSelection guid="33333333-0000-4000-8000-00000000000{number}" startPosition="{where[0]}" '
            f'endPosition="{where[1]}" creatingUser="{SIMPLE_USER}">{inner}</PlainTextSelection>'
        )

    selections = "".join(
        [
            selection(1, "one", "[purer-tui] reviewed"),  # reviewed, no code
            selection(2, "two", "just a memo", note=True),  # memo only: not reviewed, taken once
            selection(3, "three", "[purer-tui] flagged"),  # flagged, not reviewed
            selection(4, "four", "memo\n\n[purer-tui] reviewed; flagged"),
            selection(5, "five", "coded and flagged\n\n[purer-tui] flagged", coded=True, note=True),
        ]
    )
    notes = "".join(
        f'<Note guid="66666666-0000-4000-8000-00000000000{n}" creatingUser="{SIMPLE_USER}" '
        f'creationDateTime="2024-01-01T00:00:00Z"><PlainTextContent>{memo}</PlainTextContent></Note>'
        for n, memo in ((2, "just a memo"), (5, "coded and flagged"))
    )
    qde = simple_project(
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="t" plainTextPath="internal://t.txt">'
        f"{selections}</TextSource>",
        origin="purer-tui 0.1.0",  # whose selections say which turns were reviewed
    ).replace("</Sources>", f"</Sources><Notes>{notes}</Notes>")
    outcome = import_project(make_qdpx(tmp_path / "p.qdpx", qde, {"sources/t.txt": text}), tmp_path / "study")
    records = annotations(tmp_path / "study")[("t", "ana")]
    got = {turn: (r.codes, r.memo, r.reviewed, r.flag) for turn, r in records.items()}
    assert got == {
        1: ((), "", True, False),
        2: ((), "just a memo", False, False),
        3: ((), "", False, True),
        4: ((), "memo", True, True),
        5: (("hope",), "coded and flagged", True, True),
    }
    assert outcome.memos == 3 and not outcome.partial


def test_users_become_valid_unique_coder_ids_and_unnamed_codings_get_one_coder(tmp_path: Path) -> None:
    users = [("Jane Doe", ""), ("jane doe", ""), ("李明", "LM"), ("李明", ""), ("", "x" * 40)]
    listed = "".join(
        f'<User guid="11111111-0000-4000-8000-00000000000{n}" name="{name}"' + (f' id="{uid}"' if uid else "") + "/>"
        for n, (name, uid) in enumerate(users)
    )
    qde = simple_project(text_source(1, "a", "internal://a.txt")).replace(
        f'<Users><User guid="{SIMPLE_USER}" name="ana"/></Users>', f"<Users>{listed}</Users>"
    )
    outcome = import_project(make_qdpx(tmp_path / "p.qdpx", qde, {"sources/a.txt": "Ana: x\n"}), tmp_path / "s")
    assert outcome.coders == [
        ("Jane Doe", "jane-doe"),
        ("jane doe", "jane-doe-2"),
        ("李明", "lm"),
        ("李明", "coder"),
        ("x" * 40, "x" * 32),
        ("(codings that name no user)", "imported"),  # the coding names no user, and there are several
    ]
    assert list(annotations(tmp_path / "s")) == [("a", "imported")]


def test_two_codes_of_an_exclusive_group_on_one_turn_are_kept_and_listed(tmp_path: Path) -> None:
    group, first, second = (f"77777777-0000-4000-8000-00000000000{n}" for n in range(3))
    codebook = f"""<CodeBook><Codes><Code guid="{group}" name="Stage" isCodable="false">\
<Description>[purer-tui] id: stage; exclusive</Description>
<Code guid="{first}" name="Stage 1" isCodable="true"/><Code guid="{second}" name="Stage 2" isCodable="true"/>
</Code></Codes></CodeBook>"""
    text = "Ana: I notice it. Then I let it go.\nBen: Good.\n"
    selections = "".join(
        f'<PlainTextSelection guid="33333333-0000-4000-8000-00000000000{n}" startPosition="{start}" '
        f'endPosition="{end}" creatingUser="{SIMPLE_USER}"><Coding guid="44444444-0000-4000-8000-00000000000{n}">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        for n, code, (start, end) in ((1, first, span(text, "I notice it.")), (2, second, span(text, "I let it go.")))
    )
    qde = simple_project(
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="t" plainTextPath="internal://t.txt">'
        f"{selections}</TextSource>"
    ).replace(
        f'<CodeBook><Codes><Code guid="{SIMPLE_CODE}" name="Hope" isCodable="true"/></Codes></CodeBook>',
        codebook,
    )
    make_qdpx(tmp_path / "p.qdpx", qde, {"sources/t.txt": text})
    result = run(tmp_path, "import", "qdpx", "p.qdpx", "study")
    assert result.returncode == 0, result.stderr
    assert "Exclusive groups with two codes on one turn (kept; `purer-tui check` reports them): 1." in result.stdout
    assert "transcripts/t.txt turn 1 (ana): Stage" in result.stdout
    record = annotations(tmp_path / "study")[("t", "ana")][1]
    assert len(record.codes) == 2
    checked = run(tmp_path, "check", "study")
    assert checked.returncode == 1 and "exclusive group stage" in checked.stdout


@pytest.mark.parametrize(
    ("text", "bodies"),
    [
        ("Ana (00:01:23): Hello: there.\nBen: Hi.\n", ["Hello: there.", "Hi."]),
        ("[0:00:05] Ana: One\ncontinued.\n\n[0:00:09] Ben:\n  Two.\n", ["One\ncontinued.", "Two."]),
        ("Preamble line.\r\nAna: Yes.\r\nBen: No.\r\nAna: Maybe.\r\n", ["Preamble line.", "Yes.", "No.", "Maybe."]),
        ("First paragraph\nstill first.\n\nSecond.\n", ["First paragraph\nstill first.", "Second."]),
    ],
)
def test_turn_spans_find_each_turns_text_after_its_label(text: str, bodies: list[str]) -> None:
    from purer_tui.core.transcript import parse_transcript
    from purer_tui.services.project_import import turn_spans

    spans = turn_spans(text, parse_transcript(text, Path("t.txt")))
    assert [text[span.text_start : span.end] for span in spans] == bodies


def test_coded_turns_only_leaves_uncoded_turns_not_reviewed(tmp_path: Path) -> None:
    text = "Ana: one\nBen: two\nAna: three\n"
    where = span(text, "two")
    selection = (
        f'<PlainTextSelection guid="33333333-0000-4000-8000-000000000001" startPosition="{where[0]}" '
        f'endPosition="{where[1]}" creatingUser="{SIMPLE_USER}"><Coding guid="44444444-0000-4000-8000-000000000001">'
        f'<CodeRef targetGUID="{SIMPLE_CODE}"/></Coding></PlainTextSelection>'
    )
    qde = simple_project(
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="t" plainTextPath="internal://t.txt">'
        f"{selection}</TextSource>"
    )
    make_qdpx(tmp_path / "p.qdpx", qde, {"sources/t.txt": text})
    whole = run(tmp_path, "import", "qdpx", "p.qdpx", "whole")
    assert (
        "Reviewed with no code: 2 (turn, coder) pair(s)" in whole.stdout
        and "transcripts/t.txt (ana): 2" in whole.stdout
    )
    assert sorted(annotations(tmp_path / "whole")[("t", "ana")]) == [1, 2, 3]
    only = run(tmp_path, "import", "qdpx", "p.qdpx", "only", "--coded-turns-only")
    assert only.returncode == 0 and "Reviewed with no code" not in only.stdout
    assert sorted(annotations(tmp_path / "only")[("t", "ana")]) == [2]


# --- What a security review found -----------------------------------------------------------------


def _small_project(tmp_path: Path, name: str = "p.qdpx", text: str = "Ana: x\nBen: y\n", source: str = "") -> Path:
    source = source or text_source(1, "a", "internal://a.txt")
    return make_qdpx(tmp_path / name, simple_project(source), {"sources/a.txt": text})


def test_a_folder_that_appears_while_reading_is_never_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _small_project(tmp_path)
    target = tmp_path / "study"
    real_place_all = project_import_module._Plan.place_all

    def someone_else_makes_the_folder(self: object) -> None:
        real_place_all(self)  # type: ignore[arg-type]
        target.mkdir()
        (target / "precious.txt").write_text("coded work", encoding="utf-8")

    monkeypatch.setattr(project_import_module._Plan, "place_all", someone_else_makes_the_folder)
    with pytest.raises(UsageError, match="appeared"):
        import_project(project, target)
    assert (target / "precious.txt").read_text(encoding="utf-8") == "coded work"


def test_a_failure_removes_only_what_the_import_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _small_project(tmp_path)
    target = tmp_path / "study"
    target.mkdir()

    def full_disk_after_a_teammate_wrote(self: AnnotationFile, records: object) -> None:
        (target / "transcripts" / "theirs.txt").write_text("theirs", encoding="utf-8")
        raise OSError(28, "No space left on device", str(self.path))

    monkeypatch.setattr(AnnotationFile, "replace_all", full_disk_after_a_teammate_wrote)
    with pytest.raises(OSError):
        import_project(project, target)
    left = sorted(path.relative_to(target).as_posix() for path in target.rglob("*"))
    assert left == ["transcripts", "transcripts/theirs.txt"]  # ours gone, theirs (and its folder) kept


@pytest.mark.parametrize(("project_mode", "file_mode", "folder_mode"), [(0o600, 0o600, 0o700), (0o640, 0o640, 0o750)])
def test_created_files_are_no_more_readable_than_the_project(
    tmp_path: Path, project_mode: int, file_mode: int, folder_mode: int
) -> None:
    project = _small_project(tmp_path)
    project.chmod(project_mode)
    previous = os.umask(0o022)
    try:
        import_project(project, tmp_path / "study")
    finally:
        os.umask(previous)
    for path in [tmp_path / "study", *(tmp_path / "study").rglob("*")]:
        # folders stay enterable by whoever may read the files in them
        assert path.stat().st_mode & 0o777 == (folder_mode if path.is_dir() else file_mode), path


def test_long_variable_values_and_odd_positions_are_refused_one_by_one(tmp_path: Path) -> None:
    variable = "88888888-0000-4000-8000-000000000001"
    source = (
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="a" plainTextPath="internal://a.txt">'
        f'<PlainTextSelection guid="33333333-0000-4000-8000-000000000001" startPosition="0" endPosition="3">'
        f'<Coding guid="44444444-0000-4000-8000-000000000001"><CodeRef targetGUID="{SIMPLE_CODE}"/></Coding>'
        f"</PlainTextSelection>"
        f'<VariableValue><VariableRef targetGUID="{variable}"/><TextValue>{"v" * 5000}</TextValue></VariableValue>'
        f"</TextSource>"
    )
    qde = simple_project(source).replace(
        "<Sources>", f'<Variables><Variable guid="{variable}" name="site" typeOfVariable="Text"/></Variables><Sources>'
    )
    # a superscript two is a digit to str.isdigit, not to int: unplaced, never a crash
    qde = qde.replace('startPosition="0"', 'startPosition="\u00b2"')
    project = make_qdpx(tmp_path / "p.qdpx", qde, {"sources/a.txt": "Ana: x\n"}, validate=False)
    outcome = import_project(project, tmp_path / "study")
    assert outcome.unplaced[f"coding: {OUTSIDE_TEXT}"] == 1
    assert outcome.not_carried["variable value over 1,000 characters"] == 1
    assert load_study(tmp_path / "study").metadata == {}


def test_too_many_placements_are_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project_import_module, "MAX_PLACEMENTS", 1)
    project = _small_project(tmp_path)
    with pytest.raises(InvalidFileError, match="places more than 1 codes"):
        import_project(project, tmp_path / "study")
    assert not (tmp_path / "study").exists()


def test_a_pipe_given_as_the_project_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "p.qdpx"
    os.mkfifo(fifo)
    result = run(tmp_path, "import", "qdpx", "p.qdpx", "study")
    assert result.returncode != 0 and "not a regular file" in result.stderr
    assert not (tmp_path / "study").exists()


def test_users_and_sources_of_one_name_get_numbered_names(tmp_path: Path) -> None:
    names = _Names()
    assert [names.unique("a", 32) for _ in range(4)] == ["a", "a-2", "a-3", "a-4"]
    taken = _Names({"b", "b-2"})
    assert taken.unique("b", 32) == "b-3"
    assert transcript_name("com\u00b9", _Names()) == "com\u00b9-source"  # Windows reads it as com1
    assert len(transcript_name("\U00020000" * 80, _Names()).encode("utf-8")) <= 150


def test_a_selection_grazing_the_next_turn_is_not_applied_there_and_is_listed(tmp_path: Path) -> None:
    """A mouse selection in NVivo often runs a letter into the next turn: that turn is not coded."""
    text = "Ana: The bus takes an hour.\nBen: I see, and what else?\nAna: Nothing.\n"
    overshoot = (span(text, "The bus")[0], span(text, "I see")[0] + 1)  # one letter into Ben's turn
    across = (span(text, "The bus")[0], span(text, "I see, and")[1])  # a real span over two turns
    selections = "".join(
        f'<PlainTextSelection guid="33333333-0000-4000-8000-00000000000{n}" startPosition="{a}" endPosition="{b}" '
        f'creatingUser="{SIMPLE_USER}"><Coding guid="44444444-0000-4000-8000-00000000000{n}">'
        f'<CodeRef targetGUID="{SIMPLE_CODE}"/></Coding></PlainTextSelection>'
        for n, (a, b) in ((1, overshoot), (2, across))
    )
    qde = simple_project(
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="t" plainTextPath="internal://t.txt">'
        f"{selections}</TextSource>"
    )
    outcome = import_project(make_qdpx(tmp_path / "p.qdpx", qde, {"sources/t.txt": text}), tmp_path / "study")
    assert [(p.turns, p.code) for p in outcome.trimmed] == [((2,), "hope")]
    assert [p.turns for p in outcome.spanning] == [(1, 2)]  # the real one still codes both
    codes = {turn: r.codes for turn, r in annotations(tmp_path / "study")[("t", "ana")].items()}
    assert codes == {1: ("hope",), 2: ("hope",), 3: ()}
    assert _grazes("ab", project_import_module._Span(0, 0, 2), 0, 1) is False  # half a short turn is not a graze


def test_a_qualcoder_annotation_becomes_a_memo_on_the_turns_it_annotates(tmp_path: Path) -> None:
    """QualCoder writes an annotation as a note holding a <PlainTextSelection>, referred to from the source."""
    text = "Ana: The bus takes an hour.\nBen: I see.\nAna: Nothing else.\n"
    where = span(text, "I see")
    note = "77777777-0000-4000-8000-000000000001"
    source = (
        f'<TextSource guid="55555555-0000-4000-8000-000000000001" name="t" plainTextPath="internal://t.txt">'
        f'<NoteRef targetGUID="{note}"/></TextSource>'
    )
    qde = simple_project(source, origin="QualCoder 3.6").replace(
        "</Sources>",
        f'</Sources><Notes><Note guid="{note}" modifyingUser="{SIMPLE_USER}" modifiedDateTime="2024-01-01T00:00:00Z">'
        f"<PlainTextContent>He hesitates here.</PlainTextContent>"
        f'<PlainTextSelection guid="33333333-0000-4000-8000-000000000009" startPosition="{where[0]}" '
        f'endPosition="{where[1]}"/></Note></Notes>',
    )
    outcome = import_project(make_qdpx(tmp_path / "p.qdpx", qde, {"sources/t.txt": text}), tmp_path / "study")
    records = annotations(tmp_path / "study")[("t", "ana")]
    assert {turn: (r.memo, r.reviewed) for turn, r in records.items()} == {2: ("He hesitates here.", False)}
    assert outcome.notes_saved == [] and outcome.memos == 1  # placed on its turn, not saved aside
