"""`purer-tui codebook rename|merge|split`: a codebook change that carries every coder's coding with it.

A plan is made first, reading everything and writing nothing: the codebook's
new text (edited in place, `core.codebook_edit`, and checked to parse to what
was meant), and for every annotation file, conflict version and unplaced
sidecar of every coder the records that change (`core.code_mapping`). The
command shows it; `apply` then takes every affected file's coder lock, folds
in a crashed session's journal, re-reads each file and refuses if it changed
since the plan, writes each file atomically and the codebook last.

So an interrupted run leaves each file old or new, and the codebook old until
every file is new; running the same command again plans from what is there
now and finishes the job. A rename whose codebook already has the new id
(a teammate's branch pulled after the codebook change, files still using the
old id) carries the files on the same way; so does a merge whose merged codes
have left the codebook.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from purer_tui.core.annotation_parsing import parse_record, read_annotation_text
from purer_tui.core.annotation_paths import ANNOTATION_SUFFIX, UNPLACED_SUFFIX, AnnotationFinder
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.code_mapping import CodeMapping, versions_of
from purer_tui.core.codebook import ID_PATTERN, Codebook, build_codebook
from purer_tui.core.codebook_edit import (
    AddCode,
    DeleteCode,
    Edit,
    MapSplitInto,
    RemoveField,
    RenameCode,
    Reparent,
    SetField,
    checked_edit,
    describe,
)
from purer_tui.core.coders import CODER_PATTERN
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError, Problem, PurerError, UsageError, display_path
from purer_tui.core.keys import reserved_keys
from purer_tui.core.lock import CoderLocks
from purer_tui.core.study import Study
from purer_tui.core.study_files import transcript_beside
from purer_tui.core.suggestion_queue import SuggestionQueue, queued_coders
from purer_tui.core.toml_files import parse_toml, read_toml

#: Keys a split offers its later new codes, in this order (after the code id's own first letter).
KEY_CANDIDATES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class FileChange:
    """One annotation file whose records change."""

    path: Path
    coder: str
    before: dict[int, AnnotationRecord]
    after: dict[int, AnnotationRecord]
    turns: list[int]
    conflict_versions: int


@dataclass
class SidecarChange:
    """An unplaced sidecar (`X.<coder>.unplaced.jsonl`) whose records change; kept line by line."""

    path: Path
    annotation_path: Path  # whose coder lock covers it
    coder: str
    before: str
    after: str
    records: int


@dataclass(frozen=True)
class Clash:
    path: Path
    coder: str
    turn: int
    version: str  # "" for the record's own codes, else "ours", "theirs", "more 1", ...
    codes: tuple[str, ...]


@dataclass
class OperationPlan:
    """What one codebook operation will change; nothing is written until `apply`."""

    kind: str  # "rename", "merge" or "split"
    subject: str  # the code renamed, merged into, or split
    title: str  # the suggested commit message's first line
    codebook_path: Path
    codebook_before: str
    codebook_after: str | None  # None: the codebook already says this (a re-run)
    codebook_changes: list[str]
    files: list[FileChange] = field(default_factory=list)
    sidecars: list[SidecarChange] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    split_turns: dict[str, int] = field(default_factory=dict)  # split: coder -> turns carrying the split code
    notes: list[str] = field(default_factory=list)
    # What this clone's suggestion queues hold of the codes changed becomes: the new id, or None (split: dropped).
    queued_codes: dict[str, str | None] = field(default_factory=dict)
    study_root: Path | None = None

    @property
    def nothing_to_do(self) -> bool:
        return self.codebook_after is None and not self.files and not self.sidecars

    @property
    def coders(self) -> list[str]:
        return sorted({change.coder for change in self.files} | {change.coder for change in self.sidecars})

    def commit_message(self) -> str:
        if self.kind == "split":
            waiting = sum(self.split_turns.values())
            detail = f"{waiting} coded turn(s) of {len(self.split_turns)} coder(s) wait to be recoded."
        else:
            turns = sum(len(change.turns) for change in self.files)
            files = len(self.files) + len(self.sidecars)
            detail = f"{turns} coded turn(s) in {files} annotation file(s) of {len(self.coders)} coder(s) carried over."
        return f"{self.title}\n\n{detail}"


# --- Planning ---


def plan_rename(study: Study, old: str, new: str) -> OperationPlan:
    _check_id(new)
    text, data, codebook = _read_codebook(study)
    codes = _code_tables(data)
    title = f'Rename code "{old}" to "{new}"'
    if old == new:
        raise UsageError(f'"{old}" and "{new}" are the same id; name a new id')
    if old in codes and new in codes:
        raise UsageError(f'the codebook already has a code "{new}"; choose another id, or merge {old} into {new}')
    if old in codes:
        edits: list[Edit] = [RenameCode(old, new)]
    elif new in codes:
        edits = []  # the codebook was renamed already (an interrupted run, or a pulled branch): carry the files
    else:
        raise UsageError(f'no code "{old}" in {display_path(study.codebook_path)}; {_known(codes)}')
    plan = _plan(study, "rename", old, title, text, codebook, edits, CodeMapping({old: new}))
    plan.queued_codes = {old: new}
    if not edits:
        plan.notes.append(f'The codebook already names "{new}", not "{old}": carrying the coding over.')
    return plan


def plan_merge(study: Study, sources: list[str], into: str) -> OperationPlan:
    _check_id(into)
    if len(set(sources)) != len(sources):
        raise UsageError("a code is named twice; name each code to merge once")
    text, data, codebook = _read_codebook(study)
    codes = _code_tables(data)
    merged = [code for code in sources if code != into]
    if not merged:
        raise UsageError(f"name at least one code to merge into {into}")
    title = f'Merge code{"s" if len(merged) > 1 else ""} {", ".join(_quoted(merged))} into "{into}"'
    edits: list[Edit] = []
    present = [code for code in merged if code in codes]
    if into not in codes:
        if not present or sources[0] not in codes:
            where = display_path(study.codebook_path)
            raise UsageError(
                f'no code "{into}" in {where}, and {sources[0]} is not there to become it; {_known(codes)}'
            )
        edits.append(RenameCode(sources[0], into))  # the first code becomes the new one, the others merge into it
        present.remove(sources[0])
    target = into
    target_code = codebook.code(into if into in codes else sources[0])
    if target_code.split_into:
        raise UsageError(f"{target_code.id} was split; merge into one of {', '.join(target_code.split_into)}")
    parent = target_code.parent
    if parent in present:
        raise UsageError(f"{into} sits under {parent}, which is merged into it; move {into} out from under it first")
    group = target_code.group
    for code in present:
        children = [child for child in codebook.children(code) if child.id not in merged and child.id != target]
        elsewhere = [child.id for child in children if child.group != group]
        if elsewhere:
            raise UsageError(
                f"{', '.join(elsewhere)} sit(s) under {code} but not in {into}'s group; "
                f"move {'them' if len(elsewhere) > 1 else 'it'} first"
            )
        if children:
            edits.append(Reparent(code, target))
        if any(code in other.split_into for other in codebook.codes):
            edits.append(MapSplitInto(code, target))
        edits.append(DeleteCode(code))
    mapping = CodeMapping({code: target for code in merged}, merge=True)
    plan = _plan(study, "merge", target, title, text, codebook, edits, mapping, clash_target=target)
    plan.queued_codes = dict(mapping.into)
    gone = [code for code in merged if code not in codes]
    if gone:
        plan.notes.append(f"No longer in the codebook: {', '.join(gone)}; their turns are carried into {target}.")
    plan.notes.append(
        f"Review the definition of {target}: it now covers what {', '.join(merged)} covered "
        "(edit its definition, include, exclude and examples)."
    )
    return plan


def plan_split(study: Study, code: str, targets: list[str]) -> OperationPlan:
    if len(targets) < 2:
        raise UsageError("split a code into two or more codes: --into b,c")
    if len(set(targets)) != len(targets) or code in targets:
        raise UsageError(f"name each code {code} is split into once, and not {code} itself")
    for target in targets:
        _check_id(target)
    text, data, codebook = _read_codebook(study)
    codes = _code_tables(data)
    if code not in codes:
        raise UsageError(f'no code "{code}" in {display_path(study.codebook_path)}; {_known(codes)}')
    title = f'Split code "{code}" into {", ".join(_quoted(targets))}'
    table = codes[code]
    edits: list[Edit] = []
    if table.get("split_into") == targets:
        pass  # done already: say what waits to be recoded
    elif table.get("split_into"):
        raise UsageError(f"{code} was already split into {', '.join(table['split_into'])}; edit the codebook by hand")
    else:
        for target in targets:
            if target in codes and isinstance(codes[target], dict) and codes[target].get("split_into"):
                raise UsageError(f"{target} was split itself; name the codes it was split into")
        source = codebook.code(code)
        taken = {other.key for other in codebook.codes if other.key and other.id != code}
        reserved = reserved_keys(study.keymap)
        after, first_new = code, True
        for target in targets:
            if target in codes:
                continue
            fields: dict[str, Any] = {}
            if source.group:
                fields["group"] = source.group
            if source.parent:
                fields["parent"] = source.parent
            key = source.key if first_new else _free_key(target, taken, reserved)
            if key:
                fields["key"] = key
                taken.add(key)
            fields["label"] = target
            fields["definition"] = f"Split from {source.label}: {source.definition}"
            if source.color:
                fields["color"] = source.color
            edits.append(AddCode(after, target, fields))
            after, first_new = target, False
        if source.key:
            edits.append(RemoveField(code, "key"))
        edits.append(SetField(code, "split_into", list(targets)))
    plan = _plan(study, "split", code, title, text, codebook, edits, None)
    plan.queued_codes = {code: None}  # a split code is applied no more: suggesting it would lead nowhere
    plan.split_turns = _turns_carrying(study, code)
    if edits:
        new = [target for target in targets if target not in codes]
        if new:
            plan.notes.append(
                f"New codes {', '.join(new)} have placeholder labels and definitions: the team should write their own."
            )
    return plan


def _plan(
    study: Study,
    kind: str,
    subject: str,
    title: str,
    text: str,
    codebook: Codebook,
    edits: list[Edit],
    mapping: CodeMapping | None,
    clash_target: str | None = None,
) -> OperationPlan:
    after_text = checked_edit(text, study.codebook_path, edits) if edits else None
    after = _validated(study, after_text) if after_text is not None else codebook
    plan = OperationPlan(
        kind, subject, title, study.codebook_path, text, after_text, [describe(edit) for edit in edits]
    )
    plan.study_root = study.root
    if mapping is None:
        return plan
    order = after.in_codebook_order
    target_group = (
        after.group(after.code(clash_target).group) if clash_target and after.has_code(clash_target) else None
    )
    finder = AnnotationFinder()
    for transcript in study.transcript_paths():
        for coder, path in finder.files(transcript).items():
            records = dict(AnnotationFile.open(path).records)  # a crashed session's journal replayed
            changed: dict[int, AnnotationRecord] = {}
            versions = 0
            for turn, record in records.items():
                mapped = mapping.record(record, order)
                if mapped is record:
                    continue
                changed[turn] = mapped
                versions += mapping.changed_versions(record)
                if target_group is not None and target_group.exclusive:
                    plan.clashes += _clashes(path, coder, record, mapped, mapping, after, target_group.id)
            if changed:
                plan.files.append(FileChange(path, coder, records, records | changed, sorted(changed), versions))
        plan.sidecars += _sidecar_changes(transcript, mapping, order)
    return plan


def _clashes(
    path: Path,
    coder: str,
    record: AnnotationRecord,
    mapped: AnnotationRecord,
    mapping: CodeMapping,
    after: Codebook,
    group_id: str,
) -> list[Clash]:
    found = []
    for (name, before), (_, codes) in zip(versions_of(record), versions_of(mapped), strict=True):
        if not mapping.touches(before):
            continue
        for group, members in after.exclusive_conflicts(codes):
            if group.id == group_id:
                found.append(Clash(path, coder, record.turn, name, tuple(members)))
    return found


def _sidecar_changes(transcript: Path, mapping: CodeMapping, order: Any) -> list[SidecarChange]:
    changes = []
    prefix = transcript.stem + "."
    try:
        names = sorted(entry.name for entry in os.scandir(transcript.parent))
    except OSError:
        return []
    for name in names:
        if not (name.startswith(prefix) and name.endswith(UNPLACED_SUFFIX)):
            continue
        coder = name[len(prefix) : -len(UNPLACED_SUFFIX)]
        if not CODER_PATTERN.match(coder):
            continue
        path = transcript.parent / name
        text = read_annotation_text(path)
        lines = text.split("\n")
        count = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            record, problem = parse_record(line.rstrip("\r"))
            if record is None:
                raise InvalidFileError([Problem(path, number, f"{problem}; fix it, then run this again")])
            mapped = mapping.record(record, order)
            if mapped is not record:
                lines[number - 1] = mapped.to_json_line()
                count += 1
        if count:
            annotation = transcript.parent / f"{transcript.stem}.{coder}{ANNOTATION_SUFFIX}"
            changes.append(SidecarChange(path, annotation, coder, text, "\n".join(lines), count))
    return changes


def _turns_carrying(study: Study, code: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    finder = AnnotationFinder()
    for transcript in study.transcript_paths():
        for coder, path in finder.files(transcript).items():
            counts[coder] += sum(1 for record in AnnotationFile.open(path).records.values() if code in record.codes)
    return {coder: count for coder, count in sorted(counts.items()) if count}


def _read_codebook(study: Study) -> tuple[str, dict[str, Any], Codebook]:
    codebook = study.load_codebook()  # a codebook with errors is refused with them, before anything else
    if os.path.islink(study.codebook_path):
        raise PurerError("is a link; make the change in the file it names, by hand", study.codebook_path)
    document = read_toml(study.codebook_path, "codebook")
    return _with_mark(study.codebook_path, document.text), document.data, codebook


def _with_mark(path: Path, text: str) -> str:
    """The codebook's text as read, with the byte-order mark reading drops put back, so writing keeps it."""
    with open(path, "rb") as handle:
        return ("\ufeff" if handle.read(3) == b"\xef\xbb\xbf" else "") + text


def _validated(study: Study, text: str) -> Codebook:
    problems: list[Problem] = []
    codebook = build_codebook(parse_toml(text.encode("utf-8"), study.codebook_path, "codebook"), problems, study.keymap)
    errors = [problem for problem in problems if problem.is_error]
    if codebook is None or errors:
        first = errors[0].message if errors else "it would not be a valid codebook"
        raise UsageError(
            f"after this change {display_path(study.codebook_path)} would be invalid ({first}); nothing was changed"
        )
    return codebook


def _code_tables(data: dict[str, Any]) -> dict[str, Any]:
    codes = data.get("codes")
    return codes if isinstance(codes, dict) else {}


def _check_id(code: str) -> None:
    if not ID_PATTERN.match(code):
        raise UsageError(
            f'"{code[:70]}" is not a valid code id; use lowercase letters, digits, "-" and "_", '
            "starting with a letter or digit"
        )


def _known(codes: dict[str, Any]) -> str:
    names = list(codes)
    shown = ", ".join(names[:30]) + (", ..." if len(names) > 30 else "")
    return f"the codes are {shown}"


def _quoted(codes: list[str]) -> list[str]:
    return [f'"{code}"' for code in codes]


def _free_key(code: str, taken: set[str], reserved: dict[str, str]) -> str | None:
    for key in code[:1] + KEY_CANDIDATES:
        if key not in taken and key not in reserved:
            return key
    return None


# --- Applying ---


def apply(plan: OperationPlan) -> None:
    """Write the plan: under every affected coder lock, after checking nothing changed; the codebook last."""
    locks = CoderLocks()
    try:
        for change in plan.files:
            locks.acquire(change.path)
        for sidecar in plan.sidecars:
            locks.acquire(sidecar.annotation_path)
        stores = []
        for change in plan.files:
            AnnotationFile.open(change.path, journaled=True).close()  # fold in a crashed session's journal
            store = AnnotationFile.open(change.path)
            if dict(store.records) != change.before:
                raise PurerError("changed since the plan was made; run the command again", change.path)
            stores.append((store, change))
        for sidecar in plan.sidecars:
            if read_annotation_text(sidecar.path) != sidecar.before:
                raise PurerError("changed since the plan was made; run the command again", sidecar.path)
        if plan.codebook_after is not None:
            current = _with_mark(plan.codebook_path, read_toml(plan.codebook_path, "codebook").text)
            if current != plan.codebook_before:
                raise PurerError("changed since the plan was made; run the command again", plan.codebook_path)
        for store, change in stores:
            store.replace_all(change.after)
        for sidecar in plan.sidecars:
            atomic_write_text(sidecar.path, sidecar.after, transcript_beside(sidecar.annotation_path))
        if plan.codebook_after is not None:
            atomic_write_text(plan.codebook_path, plan.codebook_after)
    finally:
        locks.release()
    _carry_queues(plan)


def _carry_queues(plan: OperationPlan) -> None:
    """This clone's suggestion queues follow the codebook (they are no file of the study: a queue that cannot be
    written keeps the old id, which the app then leaves out)."""
    study_root, changes = plan.study_root, plan.queued_codes
    if study_root is None or not changes:
        return
    for coder in queued_coders(study_root):
        queue = SuggestionQueue(study_root, coder)
        if queue.map_codes(lambda code: changes.get(code, code)):
            queue.save()
