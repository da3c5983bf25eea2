"""REFI-QDA exports validated against the published schemas, checked for integrity, and codebook imports."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xmlschema

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import load_codebook
from purer_tui.core.dataset import load_dataset
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.safe_text import visible_controls
from purer_tui.core.study import load_study
from purer_tui.interchange.refi_qda_export import (
    ExportIntegrityError,
    codebook_document,
    project_document,
    verify_project,
)
from purer_tui.interchange.refi_qda_import import import_codebook
from tests.conftest import REPO, write

SCHEMAS = REPO / "tests" / "data" / "refi-qda"
PROJECT_SCHEMA = xmlschema.XMLSchema(SCHEMAS / "Project.xsd")
CODEBOOK_SCHEMA = xmlschema.XMLSchema(SCHEMAS / "Codebook.xsd")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "purer_tui", *args], cwd=cwd, capture_output=True, text=True)


def exported(study: Path):  # type: ignore[no-untyped-def]
    loaded = load_study(study)
    from purer_tui.core.annotation_paths import annotation_files

    coders = sorted({c for p in loaded.transcript_paths() for c in annotation_files(p)})
    return project_document(load_dataset(loaded, coders)), loaded


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def test_the_demo_project_validates_and_every_selection_is_its_turn(demo_study: Path) -> None:
    project, study = exported(demo_study)
    PROJECT_SCHEMA.validate(project.qde.decode("utf-8"))
    root = ET.fromstring(project.qde)
    transcripts = {p.stem: p for p in study.transcript_paths()}
    from purer_tui.core.transcript import load_transcript

    checked = 0
    for source in (e for e in root.iter() if local(e) == "TextSource"):
        text = project.sources[source.get("plainTextPath").removeprefix("internal://")]
        assert "\r" not in text and not text.startswith("\ufeff")
        transcript = load_transcript(transcripts[source.get("name")])
        for selection in (e for e in source if local(e) == "PlainTextSelection"):
            number = int(selection.get("name").rsplit(" ", 1)[1])
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert text[start:end] == transcript.turn(number).text
            assert selection.get("creatingUser")
            for coding in (e for e in selection if local(e) == "Coding"):
                assert coding.get("creatingUser") == selection.get("creatingUser")
            checked += 1
    assert checked == len(project.expected) > 50
    users = {u.get("name") for u in root.iter() if local(u) == "User"}
    assert users == {"ana", "ben"}
    notes = [n for n in root.iter() if local(n) == "Note"]
    assert len(notes) == 3 and any("Discuss with Ana" in (n[0].text or "") for n in notes)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", n.get("creationDateTime")) for n in notes)
    assert all(n.get("modifiedDateTime") == n.get("creationDateTime") for n in notes)
    sets = [s for s in root.iter() if local(s) == "Set"]
    codable = [c for c in root.iter() if local(c) == "Code" and c.get("isCodable") == "true"]
    assert [s.get("name") for s in sets] == [study.load_codebook().info.name, "Stage of progression (participant)"]
    assert len([m for m in sets[0] if local(m) == "MemberCode"]) == len(codable)
    assert len([m for m in sets[1] if local(m) == "MemberCode"]) == 5
    groups = [c for c in root.iter() if local(c) == "Code" and c.get("isCodable") == "false"]
    assert [g.get("name") for g in groups] == ["PURER moves (therapist)", "Stage of progression (participant)"]
    assert all(
        re.fullmatch(r"#[0-9a-fA-F]{6}", c.get("color"))
        for c in root.iter()
        if local(c) == "Code" and c.get("isCodable") == "true"
    )


def test_exporting_twice_gives_the_same_bytes(demo_study: Path) -> None:
    first = run(demo_study, "export", "qdpx", "-o", "a.qdpx")
    second = run(demo_study, "export", "qdpx", "-o", "b.qdpx")
    assert first.returncode == second.returncode == 0, first.stderr
    assert (demo_study / "a.qdpx").read_bytes() == (demo_study / "b.qdpx").read_bytes()
    with zipfile.ZipFile(demo_study / "a.qdpx") as archive:
        names = archive.namelist()
        assert names[0] == "project.qde" and all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])
        PROJECT_SCHEMA.validate(archive.read("project.qde").decode("utf-8"))


def test_offsets_are_code_points_with_emoji_accents_cjk_and_controls(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    write(folder / "purer.toml", '[study]\nname = "Ünïcode 研究"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(
        folder / "c.toml",
        '[codebook]\nname = "c"\n[codes.a]\nkey = "a"\nlabel = "Émotion 😊"\ndefinition = "d"\ncolor = "#abc"\n',
    )
    write(
        folder / "t.txt", "Thérapeute: Ça va? 🙂👩‍👩‍👧 好的\nParticipant 1: 我很好 — déjà vu \x1b[31m!\nZoë: مرحبا بك\n"
    )
    for n in (1, 2, 3):
        AnnotationFile.open(folder / "t.ana.jsonl").put(AnnotationRecord(n, ("a",), memo="mémo 🙂" if n == 2 else ""))
    project, _ = exported(folder)
    PROJECT_SCHEMA.validate(project.qde.decode("utf-8"))
    [text] = project.sources.values()
    root = ET.fromstring(project.qde)
    slices = [
        text[int(s.get("startPosition")) : int(s.get("endPosition"))]
        for s in root.iter()
        if local(s) == "PlainTextSelection"
    ]
    assert slices == ["Ça va? 🙂👩‍👩‍👧 好的", visible_controls("我很好 — déjà vu \x1b[31m!"), "مرحبا بك"]
    assert "\x1b" not in text and "␛[31m" in text


def test_integrity_checks_catch_what_the_schema_cannot(demo_study: Path) -> None:
    project, _ = exported(demo_study)
    broken = project.qde.replace(b'<CodeRef targetGUID="', b'<CodeRef targetGUID="0', 1)
    broken = re.sub(rb'targetGUID="0([0-9a-f])', rb'targetGUID="f\1', broken, count=1)
    with pytest.raises(ExportIntegrityError, match="CodeRef to unknown code"):
        verify_project(broken, project.sources)
    shifted = {name: "x" + text for name, text in project.sources.items()}
    with pytest.raises(ExportIntegrityError, match="does not slice its turn's text"):
        verify_project(project.qde, shifted, project.expected)


def test_the_codebook_validates_and_round_trips(tmp_path: Path) -> None:
    for name in ("purer", "interview"):
        original = load_codebook(REPO / "codebooks" / f"{name}.toml")
        document = codebook_document(original)
        CODEBOOK_SCHEMA.validate(document.decode("utf-8"))
        qdc = write(tmp_path / f"{name}.qdc", document)
        imported = import_codebook(qdc, original.info.name)
        assert imported.notes == []
        again = write(tmp_path / f"{name}.toml", imported.toml())
        back = load_codebook(again)
        assert back.groups == original.groups
        assert back.codes == original.codes
        assert back.info == original.info
        codes = next(e for e in ET.fromstring(document) if local(e) == "Codes")
        assert "[purer-tui]" not in "".join(codes.itertext())  # ids and keys live in the codebook set only


def test_the_cli_round_trip(tmp_path: Path, demo_study: Path) -> None:
    assert run(demo_study, "export", "qdc", "-o", str(tmp_path / "cb.qdc")).returncode == 0
    result = run(tmp_path, "codebook", "import", "cb.qdc", "-o", "back.toml")
    assert result.returncode == 0, result.stderr
    back, original = load_codebook(tmp_path / "back.toml"), load_codebook(demo_study / "codebooks" / "purer.toml")
    assert (back.info, back.groups, back.codes) == (original.info, original.groups, original.codes)
    again = run(tmp_path, "codebook", "import", "cb.qdc", "-o", "back.toml")
    assert again.returncode == 2 and "already exists" in again.stderr


def make_project(
    path: Path,
    qde: str,
    qde_name: str = "project.qde",
    sources_folder: str = "sources",
    extra: dict[str, bytes] | None = None,
) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, qde)
        archive.writestr(f"{sources_folder}/x.txt", "text")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return path


NVIVO = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Pain study" origin="NVivo 14">
  <CodeBook><Codes>
    <Code guid="6F1B3A8C-0D2E-4B5A-9C7D-1E2F3A4B5C6D" name="Coping" isCodable="true" color="#FF8800">
      <Description>Ways of dealing with pain.</Description>
      <Code guid="{7A2B3C4D-5E6F-4A1B-8C9D-0E1F2A3B4C5D}" name="Breathing" isCodable="true"/>
      <Code guid="8B3C4D5E-6F7A-4B2C-9D0E-1F2A3B4C5D6E" name="Distraction" isCodable="true">
        <Code guid="9C4D5E6F-7A8B-4C3D-0E1F-2A3B4C5D6E7F" name="TV" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="AD5E6F7A-8B9C-4D4E-1F2A-3B4C5D6E7F80" name="Hope" isCodable="true" color="red"/>
  </Codes></CodeBook>
  <Sources/>
</Project>"""

ATLAS = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="ATLAS export" origin="ATLAS.ti">
  <CodeBook><Codes>
    <Code guid="{11111111-2222-4333-8444-555555555555}" name="barrier: cost" isCodable="true" color="#aa0000"/>
    <Code guid="{11111111-2222-4333-8444-555555555556}" name="barrier: time" isCodable="true" color="#aa0000"/>
    <Code guid="{11111111-2222-4333-8444-555555555557}" name="facilitator" isCodable="true">\
<NoteRef targetGUID="{11111111-2222-4333-8444-555555555558}"/></Code>
  </Codes></CodeBook>
  <Sets><Set guid="{11111111-2222-4333-8444-555555555559}" name="Barriers">\
<MemberCode targetGUID="{11111111-2222-4333-8444-555555555555}"/></Set></Sets>
</Project>"""

QUALCODER = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc" origin="QualCoder">
  <CodeBook><Codes>
    <Code guid="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" name="Emotions" isCodable="false">
      <Description>Category of feelings</Description>
      <Code guid="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee1" name="Fear" isCodable="true" color="#E0A0A0">\
<Description>Expressions of fear.</Description></Code>
      <Code guid="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee2" name="Joy" isCodable="true"/>
    </Code>
    <Code guid="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee3" name="j" isCodable="true"/>
  </Codes></CodeBook>
</Project>"""


def test_importing_an_nvivo_shaped_project(tmp_path: Path) -> None:
    path = make_project(tmp_path / "nvivo.qdpx", NVIVO, sources_folder="Sources")
    imported = import_codebook(path, "Pain study")
    data = imported.data
    assert "groups" not in data  # every node is codable: codes under codes, no group and no "(general)" code
    tree = {code_id: (table["label"], table.get("parent", "")) for code_id, table in data["codes"].items()}
    assert tree == {
        "coping": ("Coping", ""),
        "breathing": ("Breathing", "coping"),
        "distraction": ("Distraction", "coping"),
        "tv": ("TV", "distraction"),
        "hope": ("Hope", ""),
    }
    assert data["codes"]["coping"]["color"] == "#FF8800"
    assert data["codes"]["coping"]["definition"] == "Ways of dealing with pain."
    assert "color" not in data["codes"]["hope"]
    assert imported.code_ids["7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"] == "breathing"  # "{GUID}" found either way
    assert imported.code_ids["{7a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d}"] == "breathing"
    assert imported.code_ids["9c4d5e6f-7a8b-4c3d-0e1f-2a3b4c5d6e7f"] == "tv"  # upper-case GUIDs lower-cased
    assert not any("both a code and a parent" in n or "path in the label" in n for n in imported.notes)
    assert any("'red' is not #RRGGBB" in n for n in imported.notes)
    keys = [table["key"] for table in data["codes"].values()]
    assert len(set(keys)) == len(keys) and not set(keys) & set("jkmnqgG")


def test_importing_an_atlas_shaped_project_with_another_qde_name(tmp_path: Path) -> None:
    path = make_project(tmp_path / "atlas.qdpx", ATLAS, qde_name="ATLAS export.qde")
    imported = import_codebook(path, "ATLAS export")
    assert list(imported.data["codes"]) == ["barrier-cost", "barrier-time", "facilitator"]
    assert "groups" not in imported.data
    assert any("set(s) of codes were not carried over" in n for n in imported.notes)
    assert any("notes attached to codes" in n for n in imported.notes)


def test_importing_a_qualcoder_shaped_project(tmp_path: Path) -> None:
    path = make_project(tmp_path / "qc.qdpx", QUALCODER)
    data = import_codebook(path, "qc").data
    assert data["groups"]["emotions"]["description"] == "Category of feelings"
    assert (
        data["codes"]["fear"]["definition"] == "Expressions of fear." and data["codes"]["fear"]["group"] == "emotions"
    )
    assert data["codes"]["j"]["key"] != "j"  # j is the app's key: another was chosen


def test_a_codebook_file_with_codebook_namespace(tmp_path: Path) -> None:
    qdc = write(
        tmp_path / "maxqda.qdc",
        '<?xml version="1.0" encoding="UTF-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA">'
        '<Codes><Code guid="12345678-1234-4234-8234-123456789012" name="Thema" isCodable="true">'
        "<Description>Ein Thema</Description></Code></Codes></CodeBook>",
    )
    assert import_codebook(qdc, "m").data["codes"]["thema"]["definition"] == "Ein Thema"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\
<Code guid="12345678-1234-4234-8234-123456789012" name="&lol2;" isCodable="true"/></Codes></CodeBook>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\
<Code guid="12345678-1234-4234-8234-123456789012" name="&secret;" isCodable="true"/></Codes></CodeBook>"""


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("laughs.qdc", BILLION_LAUGHS, "DTD or entity declarations"),
        ("external.qdc", EXTERNAL_ENTITY, "DTD or entity declarations"),
        ("latin1.qdc", "<CodeBook>caf\xe9</CodeBook>".encode("latin-1"), "not UTF-8 XML"),
        ("broken.qdc", "<CodeBook><Codes>", "not well-formed XML"),
        ("other.qdc", "<html><body/></html>", "not a REFI-QDA CodeBook or Project"),
        ("empty.qdc", '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "holds no codes"),
    ],
)
def test_bad_codebook_files_are_refused_with_a_message(
    tmp_path: Path, name: str, content: str | bytes, words: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(InvalidFileError, match=words):
        import_codebook(path, "x")
    result = run(tmp_path, "codebook", "import", name, "-o", "out.toml")
    assert result.returncode == 1 and words.split()[0] in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.toml").exists()


def test_hostile_projects_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    climbing = make_project(tmp_path / "climb.qdpx", QUALCODER, extra={"../../evil.txt": b"x"})
    no_project = tmp_path / "noqde.qdpx"
    with zipfile.ZipFile(no_project, "w") as archive:
        archive.writestr("readme.txt", "hello")
    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"<" + b" " * (65 * 1024 * 1024) + b"/>")
    nested = tmp_path / "nested.qdc"
    nested.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        + '<Code guid="00000000-0000-0000-0000-000000000000" name="n" isCodable="true">' * 5000
        + "</Code>" * 5000
        + "</Codes></CodeBook>"
    )
    for path, words in (
        (climbing, "unsafe entry name"),
        (no_project, "without a .qde"),
        (bomb, "refused"),
        (nested, "nests codes too deeply"),
    ):
        result = run(tmp_path, "codebook", "import", path.name, "-o", "out.toml")
        assert result.returncode == 1 and words in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.qdpx", "climb.qdpx", "nested.qdc", "noqde.qdpx"]
    assert not (tmp_path.parent / "evil.txt").exists()
