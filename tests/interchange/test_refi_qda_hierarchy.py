"""Codebook trees through REFI-QDA: an NVivo-shaped tree imported with its depth, names, descriptions and
colours, readable ids, and re-exported (as .qdc and inside a .qdpx) with the same tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import ID_PATTERN, Codebook, load_codebook
from purer_tui.core.dataset import load_dataset
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.study import load_study
from purer_tui.interchange.refi_qda_export import codebook_document, project_document, write_qdpx
from purer_tui.interchange.refi_qda_format import CodebookBlock, compose_codebook_block, parse_codebook_block
from purer_tui.interchange.refi_qda_import import CSV_COLUMNS, import_codebook
from tests.conftest import REPO, write

SCHEMAS = REPO / "tests" / "data" / "refi-qda"
PROJECT_SCHEMA = xmlschema.XMLSchema(SCHEMAS / "Project.xsd")
CODEBOOK_SCHEMA = xmlschema.XMLSchema(SCHEMAS / "Codebook.xsd")

LONG = "curriculum / interdisciplinary / cs / other subject / arts / writing and composition in the upper grades"


def guid(number: int) -> str:
    return f"6F1B3A8C-0D2E-4B5A-9C7D-{number:012X}"


# Written the way NVivo writes a codebook: upper-case GUIDs, folders as non-codable nodes with colours, nodes
# that are codes and headings at once, seven levels, two sibling nodes of one name, and a very long name.
NVIVO_CODEBOOK = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14.23.2">
 <Codes>
  <Code guid="{guid(1)}" name="Curriculum" isCodable="false" color="#336699">
   <Description>Where in the curriculum the lesson sits.</Description>
   <Code guid="{guid(2)}" name="Interdisciplinary" isCodable="false" color="#ABC">
    <Code guid="{guid(3)}" name="CS" isCodable="false">
     <Code guid="{guid(4)}" name="Other subject" isCodable="true" color="#AA0000">
      <Description>CS taught inside another subject.</Description>
      <Code guid="{guid(5)}" name="Arts" isCodable="true">
       <Code guid="{guid(6)}" name="Writing" isCodable="true">
        <Description>Writing lessons.</Description>
        <Code guid="{guid(7)}" name="Other" isCodable="true"><Description>First other.</Description></Code>
        <Code guid="{guid(8)}" name="Other" isCodable="true"><Description>Second other.</Description></Code>
       </Code>
      </Code>
     </Code>
    </Code>
   </Code>
   <Code guid="{guid(9)}" name="Other" isCodable="true"/>
  </Code>
  <Code guid="{guid(10)}" name="Other" isCodable="true"/>
  <Code guid="{guid(11)}" name="Role" isCodable="true"><Description>Who leads.</Description></Code>
  <Code guid="{guid(12)}" name="Memo" isCodable="true"/>
  <Code guid="{guid(13)}" name="{LONG}" isCodable="true"/>
  <Code guid="{guid(14)}" name="People" isCodable="false" color="teal">
   <Code guid="{guid(15)}" name="Teacher" isCodable="true"/>
  </Code>
 </Codes>
</CodeBook>
"""


def tree_of(codes: ET.Element, labels: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """(depth, name, isCodable) of every node, depth first: the tree's shape and names. Among siblings, codes
    come before headings: purer-tui lists a group's own codes before its subgroups (as the app shows them),
    NVivo lists folders first, and that order is all that may differ."""
    found: list[tuple[int, str, str]] = []

    def walk(element: ET.Element, depth: int) -> None:
        children = [child for child in element if child.tag.endswith("}Code")]
        for child in sorted(children, key=lambda c: c.get("isCodable") == "false"):
            name = (labels or {}).get(child.get("guid", ""), child.get("name", ""))
            found.append((depth, name, child.get("isCodable", "")))
            walk(child, depth + 1)

    walk(codes, 1)
    return found


def codes_element(document: bytes) -> ET.Element:
    return next(e for e in ET.fromstring(document).iter() if e.tag.endswith("}Codes"))


def set_labels(document: bytes) -> dict[str, str]:
    """The labels the codebook set keeps for names the file made distinct."""
    descriptions = [(d.text or "") for d in ET.fromstring(document).iter() if d.tag.endswith("}Description")]
    block = next(b for b in map(parse_codebook_block, descriptions) if b is not None)
    return {
        guid: meta["label"] for table in (block.groups, block.codes) for guid, meta in table.items() if "label" in meta
    }


def test_an_nvivo_tree_is_imported_with_its_depth_names_descriptions_and_colours(tmp_path: Path) -> None:
    imported = import_codebook(write(tmp_path / "nvivo.qdc", NVIVO_CODEBOOK), "Lessons")
    groups, codes = imported.data["groups"], imported.data["codes"]
    assert isinstance(groups, dict) and isinstance(codes, dict)
    assert groups == {
        "curriculum": {
            "label": "Curriculum",
            "exclusive": False,
            "description": "Where in the curriculum the lesson sits.",
            "color": "#336699",
        },
        "interdisciplinary": {
            "label": "Interdisciplinary",
            "exclusive": False,
            "parent": "curriculum",
            "color": "#ABC",
        },
        "cs": {"label": "CS", "exclusive": False, "parent": "interdisciplinary"},
        "people": {"label": "People", "exclusive": False},
    }
    placed = {code_id: (t["label"], t.get("group", ""), t.get("parent", "")) for code_id, t in codes.items()}
    assert placed == {
        # shallow nodes first get the short ids; deeper ones add the names above only as far as needed
        "other-subject": ("Other subject", "cs", ""),
        "arts": ("Arts", "cs", "other-subject"),
        "writing": ("Writing", "cs", "arts"),
        "writing-other": ("Other", "cs", "writing"),
        "other-2": ("Other (2)", "cs", "writing"),
        "curriculum-other": ("Other", "curriculum", ""),
        "other": ("Other", "", ""),
        "role-code": ("Role", "", ""),
        "memo-code": ("Memo", "", ""),
        "curriculum-interdisciplinary-cs-other-subject-arts-writing-and": (LONG, "", ""),
        "teacher": ("Teacher", "people", ""),
    }
    assert codes["other-subject"]["definition"] == "CS taught inside another subject."
    assert codes["other-subject"]["color"] == "#AA0000"
    assert codes["writing-other"]["definition"] == "First other." and codes["other-2"]["definition"] == "Second other."
    assert all(ID_PATTERN.match(code_id) and code_id not in CSV_COLUMNS for code_id in codes)
    assert imported.code_ids[guid(8).lower()] == "other-2" and imported.code_ids[guid(13).lower()].startswith("curr")
    assert (
        '2 codes under "Curriculum / Interdisciplinary / CS / Other subject / Arts / Writing" are named "Other": '
        'they are labelled "Other", "Other (2)"'
    ) in imported.notes
    assert any("'teal' is not #RRGGBB" in note for note in imported.notes)
    assert not any("(general)" in str(table["label"]) for table in codes.values())

    # The TOML is a valid codebook that nests as deep as the file did.
    codebook = load_codebook(write(tmp_path / "lessons.toml", imported.toml()))
    assert [group.id for group in codebook.group_path("cs")] == ["curriculum", "interdisciplinary", "cs"]
    assert codebook.code_depth("writing-other") == 3
    assert len(codebook.group_path("cs")) + codebook.code_depth("writing-other") + 1 == 7


def test_the_imported_tree_goes_back_out_with_the_same_shape(tmp_path: Path) -> None:
    imported = import_codebook(write(tmp_path / "nvivo.qdc", NVIVO_CODEBOOK), "Lessons")
    codebook = load_codebook(write(tmp_path / "lessons.toml", imported.toml()))
    document = codebook_document(codebook)
    CODEBOOK_SCHEMA.validate(document.decode("utf-8"))
    original = tree_of(codes_element(NVIVO_CODEBOOK.encode()))
    assert max(depth for depth, _, _ in original) == 7
    second_other = [n for n, node in enumerate(original) if node == (7, "Other", "true")][1]
    # the same depth, names and codability; only the duplicate got its distinct label
    assert tree_of(codes_element(document), set_labels(document)) == [
        (depth, "Other (2)" if n == second_other else name, codable)
        for n, (depth, name, codable) in enumerate(original)
    ]
    # In the file itself every code and every group has a name of its own (QualCoder merges codes of one name):
    # a repeated label is qualified by what it sits under, and the codebook set keeps the label.
    named = [(c.get("isCodable"), c.get("name")) for c in codes_element(document).iter() if c.tag.endswith("}Code")]
    assert len(set(named)) == len(named)
    assert ("true", "Other (Curriculum)") in named and ("true", "Other") in named
    colours = {c.get("name"): c.get("color") for c in codes_element(document).iter() if c.get("color")}
    assert colours == {"Curriculum": "#336699", "Interdisciplinary": "#ABC", "Other subject": "#AA0000"}

    # And inside a project, in the project namespace.
    study = tmp_path / "study"
    write(study / "purer.toml", '[study]\nname = "Lessons"\ncodebook = "lessons.toml"\ntranscripts = ["*.txt"]\n')
    write(study / "lessons.toml", imported.toml())
    write(study / "t.txt", "Teacher: Today we write.\nStudent: About code?\n")
    AnnotationFile.open(study / "t.ana.jsonl").put(AnnotationRecord(1, ("writing-other", "teacher")))
    loaded = load_study(study)
    project = project_document(load_dataset(loaded, ["ana"]))
    PROJECT_SCHEMA.validate(project.qde.decode("utf-8"))
    assert tree_of(codes_element(project.qde)) == tree_of(codes_element(document))
    assert set_labels(project.qde) == set_labels(document)

    # Importing the project's codebook gives back the same codebook.
    qdpx = write(tmp_path / "lessons.qdpx", write_qdpx(project))
    same_codebook(load_codebook(write(tmp_path / "back.toml", import_codebook(qdpx).toml())), codebook)


def same_codebook(back: Codebook, original: Codebook) -> None:
    """The same codebook as the app shows it: info, groups in order, each group's codes in order, every code.
    (The order of codes across groups in the file is not kept: an export lists them group by group.)"""
    assert back.info == original.info
    assert back.groups == original.groups
    assert {c.id: c for c in back.codes} == {c.id: c for c in original.codes}
    assert [back.codes_in(g.id) for g in back.groups] == [original.codes_in(g.id) for g in original.groups]


NESTED = """\
[codebook]
name = "Nested ünïcode"
version = "3.1"
description = "How lessons go.\\n\\nSecond paragraph."

[groups.moves]
label = "Moves"
color = "#112233"
roles = ["teacher"]

[groups.questions]
label = "Questions"
parent = "moves"
exclusive = true
description = "Kinds of question."
color = "#abc"

[groups.empty]
label = "Nothing yet"

[codes.ask]
group = "questions"
key = "a"
label = "Ask"
definition = "Asks."
include = "Any question."
examples = ["Why?", "How?"]
color = "#445566"

[codes.ask-open]
parent = "ask"
key = ";"
label = "Open"
definition = "Open question."

[codes.ask-open-deep]
parent = "ask-open"
label = "Deep"
definition = "Deep."

[codes.ask-closed]
parent = "ask"
label = "Closed"
definition = "Closed question."

[codes.praise]
group = "moves"
key = "p"
label = "Praise"
definition = "Praises."

[codes.date]
label = "Date"
definition = "A code whose id is a column name, kept because the file says so."
"""


def test_a_nested_codebook_round_trips_with_colours_keys_rules_name_description_and_version(
    tmp_path: Path,
) -> None:
    original = load_codebook(write(tmp_path / "nested.toml", NESTED))
    document = codebook_document(original)
    CODEBOOK_SCHEMA.validate(document.decode("utf-8"))
    root = ET.fromstring(document)
    descriptions = {
        c.get("name"): next((d.text for d in c if d.tag.endswith("}Description")), "")
        for c in root.iter()
        if c.tag.endswith("}Code")
    }
    assert descriptions["Questions"] == "Kinds of question.\n\nExclusive: at most one of these codes per turn."
    assert descriptions["Ask"] == "Asks.\n\nInclude: Any question.\n\nExample: Why?\n\nExample: How?"
    assert "Nothing yet" not in descriptions  # a group without codes has nothing to export
    imported = import_codebook(write(tmp_path / "nested.qdc", document))
    assert imported.notes == []
    back = load_codebook(write(tmp_path / "back.toml", imported.toml()))
    text = NESTED.replace('[groups.empty]\nlabel = "Nothing yet"', "")
    same_codebook(back, load_codebook(write(tmp_path / "without-empty.toml", text)))
    assert back.code("ask-open").key == ";" and back.code("ask-open-deep").key is None


def test_older_exports_with_ids_in_each_description_still_import(tmp_path: Path) -> None:
    old = write(
        tmp_path / "old.qdc",
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="00000000-0000-4000-8000-000000000001" name="Stage" isCodable="false"><Description>'
        "Stages.\n\n[purer-tui] id: stage; exclusive; roles: participant</Description>"
        '<Code guid="00000000-0000-4000-8000-000000000002" name="Stage 1" isCodable="true"><Description>'
        "First.\n\n[purer-tui] id: stage-1; key: 1</Description></Code></Code></Codes></CodeBook>",
    )
    data = import_codebook(old, "old").data
    assert data["groups"] == {
        "stage": {"label": "Stage", "exclusive": True, "description": "Stages.", "roles": ["participant"]}
    }
    assert data["codes"] == {"stage-1": {"group": "stage", "key": "1", "label": "Stage 1", "definition": "First."}}


def test_a_heading_under_a_code_becomes_a_code_there_and_is_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mixed.qdc",
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="00000000-0000-4000-8000-000000000001" name="Coping" isCodable="true">'
        '<Code guid="00000000-0000-4000-8000-000000000002" name="Kinds" isCodable="false">'
        '<Code guid="00000000-0000-4000-8000-000000000003" name="Breathing" isCodable="true"/>'
        "</Code></Code></Codes></CodeBook>",
    )
    imported = import_codebook(path, "m")
    assert {k: t.get("parent", "") for k, t in imported.data["codes"].items()} == {
        "coping": "",
        "kinds": "coping",
        "breathing": "kinds",
    }
    assert any('"Coping / Kinds" is a heading under a code' in note for note in imported.notes)


def test_a_tree_deeper_than_a_codebook_nests_is_refused(tmp_path: Path) -> None:
    groups = "".join(
        f'<Code guid="00000000-0000-4000-8000-{n:012d}" name="level {n}" isCodable="false">' for n in range(18)
    )
    path = write(
        tmp_path / "deep.qdc",
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        + groups
        + '<Code guid="00000000-0000-4000-8000-100000000000" name="leaf" isCodable="true"/>'
        + "</Code>" * 18
        + "</Codes></CodeBook>",
    )
    with pytest.raises(InvalidFileError, match="nests codes too deeply .*level 17"):
        import_codebook(path, "deep")


@pytest.mark.parametrize("key", [";", ":", "k", "none", '"'])
@pytest.mark.parametrize("label", ["Other; key: x", 'say "hi"', "two\nlines", 'label: "x"', ""])
def test_the_codebook_block_reads_back_what_it_wrote(label: str, key: str) -> None:
    block = CodebookBlock(description="About.\n\n[purer-tui] in the text", version="2")
    block.groups["00000000-0000-4000-8000-000000000001"] = {"id": "g", "exclusive": "", "roles": "a, b"}
    block.codes["00000000-0000-4000-8000-000000000002"] = {"id": "c", **({"label": label} if label else {}), "key": key}
    assert parse_codebook_block(compose_codebook_block(block)) == block
