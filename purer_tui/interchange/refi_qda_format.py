"""What purer-tui's REFI-QDA files agree on: namespaces, stable GUIDs, and what descriptions carry.

REFI-QDA codes have a name, a colour and a free-text description, nothing
more. Descriptions stay for people: a code's holds its definition, then
labelled paragraphs

    Include: ...
    Exclude: ...
    Example: ...            (one paragraph per example)

and an exclusive group's ends with the sentence `EXCLUSIVE_SENTENCE`. So that
`codebook import` of our own export gives back the same codebook, everything
else (ids, keys, roles, exclusivity, the codebook's name, description and
version) is in ONE set of all codes, named as the codebook, whose description
is the codebook's description and then a block, one line each:

    [purer-tui] codebook; version: 1
    [purer-tui] group <guid>: id: stage; exclusive; roles: participant
    [purer-tui] code <guid>: id: stage-1; key: 1          ("key: none": a code without one)
    [purer-tui] code <guid>: id: other-2; label: "Other"; key: none

`label` (JSON) appears only when the name in the file differs from the label: QualCoder merges codes
(and categories) of one name, so a repeated label is exported qualified, "Other (Writing)".

Older exports carried `[purer-tui] id: ...` as the last paragraph of each
description; `parse_description` still reads it. Descriptions from other
programs are plain text and become definitions.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from purer_tui.core.study import ROLE_PATTERN

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# Fixed, so the same study always gets the same GUIDs (re-exports diff cleanly).
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:purer-tui:refi-qda")

META_PREFIX = "[purer-tui] "


def stable_guid(*parts: str) -> str:
    """A GUID that depends only on what it names (the study and the item)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join(parts)))


@dataclass
class DescribedItem:
    """A code's or group's description, taken apart."""

    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # "id", "key", "roles"; "exclusive" -> ""


def compose_description(item: DescribedItem) -> str:
    paragraphs = [item.definition.strip()] if item.definition.strip() else []
    if item.include:
        paragraphs.append(f"Include: {item.include.strip()}")
    if item.exclude:
        paragraphs.append(f"Exclude: {item.exclude.strip()}")
    paragraphs += [f"Example: {example.strip()}" for example in item.examples]
    if item.meta:
        paragraphs.append(META_PREFIX + "; ".join(f"{k}: {v}" if v else k for k, v in item.meta.items()))
    return "\n\n".join(paragraphs)


def parse_description(text: str) -> DescribedItem:
    item = DescribedItem()
    definition = []
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        paragraph = paragraph.strip()
        if paragraph.startswith("Include: "):
            item.include = paragraph.removeprefix("Include: ")
        elif paragraph.startswith("Exclude: "):
            item.exclude = paragraph.removeprefix("Exclude: ")
        elif paragraph.startswith("Example: "):
            item.examples.append(paragraph.removeprefix("Example: "))
        elif paragraph.startswith(META_PREFIX):
            for part in paragraph.removeprefix(META_PREFIX).split(";"):
                name, _, value = part.strip().partition(": ")
                if name:
                    item.meta[name] = value
        elif paragraph:
            definition.append(paragraph)
    item.definition = "\n\n".join(definition)
    return item


#: The last paragraph of an exclusive group's description (people read it; import takes it back as `exclusive`).
EXCLUSIVE_SENTENCE = "Exclusive: at most one of these codes per turn."
#: The description of the Set each exclusive group is also written as (for programs that show sets).
EXCLUSIVE_SET_DESCRIPTION = "Exclusive group: at most one of these codes per turn."
_CODEBOOK_LINE = META_PREFIX + "codebook"


@dataclass
class CodebookBlock:
    """The codebook set's description, taken apart: GUIDs are lower-cased (NVivo upper-cases them)."""

    description: str = ""
    version: str = "1"
    groups: dict[str, dict[str, str]] = field(default_factory=dict)  # guid -> "id", "roles", "label"; "exclusive"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # guid -> "id", "label", "key"


def compose_codebook_block(block: CodebookBlock) -> str:
    lines = [f"{_CODEBOOK_LINE}; version: {block.version}"]
    for kind, table in (("group", block.groups), ("code", block.codes)):
        for guid, meta in table.items():
            # a label is JSON (it may hold anything); the key goes last: it may be ";" or ":" itself, so it
            # is read as the rest of the line
            parts = [
                f"{name}: {json.dumps(value, ensure_ascii=False) if name == 'label' else value}"
                if value or name == "key"
                else name
                for name, value in meta.items()
            ]
            lines.append(f"{META_PREFIX}{kind} {guid}: " + "; ".join(parts))
    description = block.description.strip()
    return "\n\n".join([description, "\n".join(lines)] if description else ["\n".join(lines)])


def parse_codebook_block(text: str) -> CodebookBlock | None:
    """The block of a set written by `compose_codebook_block`, or None when the text holds none."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip().startswith(_CODEBOOK_LINE)), None)
    if start is None:
        return None
    block = CodebookBlock(description="\n".join(lines[:start]).strip())
    for part in lines[start].strip().removeprefix(_CODEBOOK_LINE).split(";"):
        name, _, value = part.strip().partition(": ")
        if name == "version" and value.strip():
            block.version = value.strip()
    for line in lines[start + 1 :]:
        line = line.strip()
        if not line.startswith(META_PREFIX):
            continue
        kind, _, rest = line.removeprefix(META_PREFIX).partition(" ")
        guid, _, body = rest.partition(": ")
        table = {"group": block.groups, "code": block.codes}.get(kind)
        if table is None or not guid:
            continue
        meta: dict[str, str] = {}
        marker = body.find('label: "')
        if marker >= 0:
            try:
                label, end = json.JSONDecoder().raw_decode(body, marker + len("label: "))
            except ValueError:
                label = None
            if isinstance(label, str):
                meta["label"] = label
                body = body[:marker] + body[end:]
        body, has_key, key = body.partition("; key: ") if "; key: " in body else (body, "", "")
        if not has_key and body.startswith("key: "):
            body, key, has_key = "", body.removeprefix("key: "), "yes"
        for item in body.split(";"):
            name, _, value = item.strip().partition(": ")
            if name and name != "label":
                meta[name] = value.strip()
        if has_key:
            meta["key"] = key
        table[guid.strip().lower().removeprefix("{").removesuffix("}")] = meta
    return block


# --- A coder's turn as a selection ---------------------------------------------------------
#
# A selection's `<Description>` is the coder's memo on the turn (QualCoder reads a coding's memo
# there; NVivo and MAXQDA read the `<Note>` the selection also refers to). What REFI-QDA cannot say
# otherwise is one last line, written only when it carries something:
#
#     [purer-tui] reviewed          the coder reviewed the turn and applied no code
#     [purer-tui] flagged           the coder flagged the turn to come back to
#     [purer-tui] reviewed; flagged
#
# A selection with codings is reviewed; one without codings is reviewed only when it says so, so a
# memo alone (the way other programs annotate) stays a note, never a coding decision.

REVIEWED = "reviewed"
FLAGGED = "flagged"


@dataclass
class SelectionState:
    memo: str = ""
    reviewed: bool = False  # said explicitly (a selection with codings is reviewed whatever this says)
    flagged: bool = False


def compose_selection_description(state: SelectionState) -> str:
    marks = [mark for mark, on in ((REVIEWED, state.reviewed), (FLAGGED, state.flagged)) if on]
    parts = [state.memo] if state.memo else []
    if marks:
        parts.append(META_PREFIX + "; ".join(marks))
    return "\n\n".join(parts)


def parse_selection_description(text: str) -> SelectionState:
    text = text.replace("\r\n", "\n")
    memo, _, last = text.rstrip().rpartition("\n")
    if not last.startswith(META_PREFIX):
        return SelectionState(memo=text.strip())
    marks = {mark.strip() for mark in last.removeprefix(META_PREFIX).split(";")}
    return SelectionState(memo=memo.strip(), reviewed=REVIEWED in marks, flagged=FLAGGED in marks)


# --- People as cases ---------------------------------------------------------------------------
#
# The study's `[roles]` (role -> speaker names or globs) travel exactly as the last line of the
# project's <Description>: `[purer-tui] roles: {"participant": ["Participant *"], "staff": ["Therapist"]}`
# (JSON). Cases also carry each person's role and label, for programs and for older exports.

ROLES_PREFIX = META_PREFIX + "roles: "
#: Bounds on roles read from a file: more is not a study's roles.
_MAX_ROLES, _MAX_SPEAKERS, _MAX_SPEAKER_CHARACTERS = 64, 1_000, 200
_MAX_ROLES_LINE = 200_000


def compose_roles_line(roles: dict[str, list[str]]) -> str:
    return ROLES_PREFIX + json.dumps(roles, ensure_ascii=False, sort_keys=True)


def parse_roles_line(description: str) -> dict[str, list[str]] | None:
    """The roles of a project's description, or None when it holds none (or none that are valid)."""
    last = description.replace("\r\n", "\n").rstrip().rpartition("\n")[2].strip()
    if not last.startswith(ROLES_PREFIX) or len(last) > _MAX_ROLES_LINE:
        return None
    try:
        roles = json.loads(last.removeprefix(ROLES_PREFIX))
    except ValueError:
        return None
    if not isinstance(roles, dict) or len(roles) > _MAX_ROLES:
        return None
    for role, speakers in roles.items():
        if not ROLE_PATTERN.fullmatch(role) or not isinstance(speakers, list) or len(speakers) > _MAX_SPEAKERS:
            return None
        if not all(
            isinstance(s, str) and s and s.isprintable() and len(s) <= _MAX_SPEAKER_CHARACTERS for s in speakers
        ):
            return None
    return roles


#: The variables of each case (a person): their role, their group, the sessions they speak in ("1, 3"), and
#: their label in the transcripts (so an import can give the study its `[roles]` back).
#: Named apart from the sources' variables (`session`, `group`...): QualCoder keys variables by name.
CASE_VARIABLES = ("speaker role", "speaker group", "speaker sessions", "speaker label")


def is_codebook_set(description: str) -> bool:
    """Whether a Set is one purer-tui writes for the codebook itself: its block, or an exclusive group."""
    return description.startswith("Exclusive group") or parse_codebook_block(description) is not None
