"""What was coded under an older definition: the turns to recheck, from the study's git history.

A turn of coder C carrying code X is *stale* when X's last definition change D
(core.codebook_changes, read from the codebook's committed versions) is not an
ancestor of (or equal to) C0, the commit in which the turn's X coding was
made. C0 is found from the committed versions of C's annotation file, newest
first: the run of versions in which the turn carries X -- or, across a commit
that removed codes from the codebook (a rename or a merge into X), one of the
codes removed -- and C0 is the oldest version in that run. A coding not
committed yet is current, and so is a turn whose record says it was
rechecked under X's current definition (`"rechecked"`). Every turn carrying a
split code (`split_into`) waits to be recoded too, in git or not.

Each file's versions are read with a few git processes in all (one log, two
cat-file), each distinct blob parsed once; ancestry comes from one
`git rev-list` per definition change, never a process per turn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_ANNOTATION_BYTES, parse_annotations
from purer_tui.core.annotation_paths import AnnotationFinder
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import Codebook
from purer_tui.core.codebook_changes import (
    RENAMED,
    CodeEntries,
    CodeEvent,
    codebook_events,
    events_of,
    last_definition_changes,
)
from purer_tui.core.errors import Problem, PurerError, UsageError, display_path
from purer_tui.core.recheck_items import DefinitionChange, RecheckItem, RecheckReport
from purer_tui.core.study import Study, load_study
from purer_tui.core.study_coders import coders_with_files, require_coders
from purer_tui.core.toml_files import read_toml
from purer_tui.gitwork.codebook_history import UNREADABLE, CodebookReader, read_codebook_history
from purer_tui.gitwork.repository import (
    MAX_COMMITS,
    descendants,
    file_versions,
    iter_blobs,
    log,
    tree_files,
    work_tree_of,
)

#: Blobs read per `git cat-file` pair, so a long history is never held in memory as bytes all at once.
BLOBS_PER_READ = 256


@dataclass(frozen=True)
class _CodedFile:
    transcript: Path
    coder: str
    path: Path


def not_in_git_note(study: Study) -> str:
    return (
        f"{display_path(study.root)} is not in a git repository, so only split codes were looked at; "
        "commit the study with git to find turns coded under an older definition"
    )


def find_rechecks(
    study: Path,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    *,
    splits: bool = True,
    known_coders: bool = False,
) -> RecheckReport:
    """The turns to recheck in the study at or above `study`: stale turns and split codes' turns (unless
    `splits` is False), for every coder (or `coders`) and code (or `code`), in codebook, coder, transcript
    and turn order. With `known_coders`, a coder in `coders` with no annotation file in the study is refused
    (a typo must not read as "nothing to recheck")."""
    loaded = load_study(study)
    codebook = loaded.load_codebook()
    if code is not None and not codebook.has_code(code):
        known = ", ".join(item.id for item in codebook.codes)
        raise UsageError(f'no code "{code}" in the codebook {display_path(codebook.path)}; the codes are {known}')
    if known_coders and coders:
        require_coders(coders, coders_with_files(loaded.transcript_paths()))
    files = _coded_files(loaded, coders)
    report = RecheckReport(items=[], repository=True, notes=[])
    records = _WorkingRecords()
    items: list[RecheckItem] = []
    if splits:
        split = {item.id for item in codebook.codes if item.split_into and code in (None, item.id)}
        if split:
            for coded in files:
                for record in records.of(coded.path).values():
                    items.extend(
                        RecheckItem(coded.transcript, coded.coder, record.turn, x, None)
                        for x in record.codes
                        if x in split
                    )
    top = work_tree_of(loaded.root)
    if top is None:
        report.repository = False
        report.notes.append(not_in_git_note(loaded))
    else:
        changes = _definition_changes(top, loaded, codebook, code, report.notes, report.renamed_from)
        items.extend(_stale_items(top, loaded, codebook, files, records, changes, report.notes))
    report.items = _in_order(loaded, codebook, items)
    return report


def _in_order(study: Study, codebook: Codebook, items: list[RecheckItem]) -> list[RecheckItem]:
    """Codebook, coder, transcript and turn order."""
    order = {item.id: number for number, item in enumerate(codebook.codes)}
    transcripts = {path: number for number, path in enumerate(study.transcript_paths())}
    items.sort(key=lambda item: (order.get(item.code, 0), item.coder, transcripts.get(item.transcript, 0), item.turn))
    return items


def _coded_files(study: Study, coders: Sequence[str] | None) -> list[_CodedFile]:
    finder = AnnotationFinder()
    files = []
    for transcript in study.transcript_paths():
        for coder, path in sorted(finder.files(transcript).items()):
            if coders is None or coder in coders:
                files.append(_CodedFile(transcript, coder, path))
    return files


class _WorkingRecords:
    """Each annotation file as it is on disk, its journal replayed in memory (nothing is written), read once:
    `read` holds files read so already (by `check`), the others are read when asked for."""

    def __init__(self, read: Mapping[Path, Mapping[int, AnnotationRecord]] | None = None) -> None:
        self._read: dict[Path, Mapping[int, AnnotationRecord]] = dict(read) if read else {}

    def of(self, path: Path) -> Mapping[int, AnnotationRecord]:
        if path not in self._read:
            self._read[path] = AnnotationFile.open(path).records
        return self._read[path]


def _relative(top: Path, path: Path) -> str:
    return path.absolute().relative_to(top).as_posix()


def _definition_changes(
    top: Path, study: Study, codebook: Codebook, code: str | None, notes: list[str], renamed_from: dict[str, list[str]]
) -> dict[str, DefinitionChange]:
    """The last committed definition change of each code of today's codebook (or of `code`) that has one."""
    history = read_codebook_history(top, _relative(top, study.codebook_path))
    _history_notes(history.skipped, history.cut, notes)
    _uncommitted_note(codebook, history.revisions[-1].codes if history.revisions else None, code, notes)
    events = codebook_events(history.revisions)
    changes = {
        code_id: change
        for code_id, change in last_definition_changes(events).items()
        if codebook.has_code(code_id) and code in (None, code_id)
    }
    for code_id in changes:
        former = [event.old_id for event in reversed(events_of(events, code_id)) if event.kind == RENAMED]
        if former:
            renamed_from[code_id] = former
    return changes


def _stale_items(
    top: Path,
    study: Study,
    codebook: Codebook,
    files: list[_CodedFile],
    records: _WorkingRecords,
    changes: dict[str, DefinitionChange],
    notes: list[str],
) -> list[RecheckItem]:
    if not changes:
        return []
    codebook_file = _relative(top, study.codebook_path)
    candidates: dict[_CodedFile, list[tuple[int, str]]] = defaultdict(list)
    for coded in files:
        for record in records.of(coded.path).values():
            confirmed = dict(record.rechecked)
            for x in record.codes:
                if x in changes and confirmed.get(x) != codebook.code(x).fingerprint:
                    candidates[coded].append((record.turn, x))
    if not candidates:
        return []
    relative = {coded: _relative(top, coded.path) for coded in candidates}
    versions, cut = file_versions(top, sorted(set(relative.values())))
    if cut:
        notes.append(f"only the newest {MAX_COMMITS} commits of the annotation files were read")
    head = tree_files(top, "HEAD", sorted({path.rpartition("/")[0] or "." for path in relative.values()}))
    head_commit = log(top, ["HEAD"], (), 1)[0].sha
    chains: dict[str, list[tuple[str, str]]] = {}
    for path in relative.values():
        chains[path] = _chain(versions.get(path, []), head.get(path), head_commit)
    turns = _TurnCodes(top)
    turns.read(blob for chain in chains.values() for _, blob in chain)
    reader = CodebookReader(top, codebook_file)
    codebook_at = reader.at({commit for chain in chains.values() for commit, _ in chain})
    ids_at = {commit: None if not codes or codes is UNREADABLE else set(codes) for commit, codes in codebook_at.items()}
    after: dict[str, set[str]] = {}
    items = []
    for coded, wanted in candidates.items():
        chain = chains[relative[coded]]
        for turn, x in wanted:
            change = changes[x]
            found = _coded_in(chain, turns, ids_at, turn, x)
            if found is None:
                continue  # not committed yet: coded under the definition of today
            coded_in, coded_as = found
            if change.commit not in after:
                after[change.commit] = descendants(top, change.commit) | {change.commit}
            if coded_in not in after[change.commit]:
                entries = codebook_at.get(coded_in)
                entry = entries.get(coded_as) if entries else None  # None: no codebook then, or unreadable
                coded_under = entry.text if entry is not None else None
                items.append(RecheckItem(coded.transcript, coded.coder, turn, x, change, coded_under, coded_as))
    return items


def _history_notes(skipped: int, cut: bool, notes: list[str]) -> None:
    if skipped:
        notes.append(f"{skipped} committed version(s) of the codebook could not be read (too large or not TOML)")
    if cut:
        notes.append(f"only the newest {MAX_COMMITS} commits that changed the codebook were read")


def _uncommitted_note(codebook: Codebook, committed: CodeEntries | None, code: str | None, notes: list[str]) -> None:
    """Say so when the codebook's definitions differ from the committed ones: a change counts once committed."""
    if committed is None:
        notes.append("the codebook is not committed yet; definition changes count from when they are committed")
        return
    changed = [
        item.id
        for item in codebook.codes
        if code in (None, item.id)
        and (item.id not in committed or committed[item.id].text.fingerprint != item.fingerprint)
    ]
    if changed:
        notes.append(f"the definition of {', '.join(changed)} has changes not committed yet; they count once committed")


def _chain(versions: list[tuple[str, str | None]], head_blob: str | None, head_commit: str) -> list[tuple[str, str]]:
    """The file's committed versions, newest first, from HEAD's back to the first (a turn's coding is followed
    back while it carries the code, so a version in between that was no file ends nothing)."""
    if head_blob is None:
        return []  # not committed at all
    chain: list[tuple[str, str]] = []
    if not versions or versions[0][1] != head_blob:
        chain.append((head_commit, head_blob))  # a version no commit the log showed made: counted as HEAD's
    for commit, blob in versions:
        if blob is not None:  # a commit that deleted it or made it a link hides no older coding: read on past it
            chain.append((commit, blob))
    return chain


class _TurnCodes:
    """Each committed version's codes per turn, parsed once per blob (identical files at many commits)."""

    def __init__(self, top: Path):
        self.top = top
        self._codes: dict[str, dict[int, frozenset[str]]] = {}

    def read(self, blobs: Iterable[str]) -> None:
        wanted = [blob for blob in dict.fromkeys(blobs) if blob not in self._codes]
        for start in range(0, len(wanted), BLOBS_PER_READ):
            chunk = wanted[start : start + BLOBS_PER_READ]
            for blob, data in iter_blobs(self.top, chunk, MAX_ANNOTATION_BYTES):
                self._codes[blob] = self._parse(data)

    @staticmethod
    def _parse(data: bytes | None) -> dict[int, frozenset[str]]:
        if data is None:
            return {}
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return {}
        parsed = parse_annotations(text, Path("history"))
        return {turn: frozenset(record.codes) for turn, record in parsed.records.items()}

    def at(self, blob: str, turn: int) -> frozenset[str] | None:
        return self._codes.get(blob, {}).get(turn)


def _coded_in(
    chain: list[tuple[str, str]],
    turns: _TurnCodes,
    ids_at: Mapping[str, set[str] | None],
    turn: int,
    code: str,
) -> tuple[str, str] | None:
    """The commit in which this turn's coding with `code` was made and the id the turn carried there (another
    id when the coding came in by a rename or merge), or None when it is not committed yet."""
    tracked = {code}
    oldest: tuple[str, str] | None = None
    newer_ids: set[str] | None = None
    for commit, blob in chain:
        codes = turns.at(blob, turn)
        if codes is None:
            break
        ids = ids_at.get(commit)
        carried = codes & tracked
        if carried:
            oldest, newer_ids = (commit, _carried_id(carried, code, ids)), ids
            continue
        if oldest is None or ids is None or newer_ids is None:
            break
        # Across a commit that removed codes from the codebook, the turn carried one of them: renamed or merged.
        removed = {other for other in codes if other in ids and other not in newer_ids}
        if not removed:
            break
        tracked |= removed
        oldest, newer_ids = (commit, _carried_id(removed, code, ids)), ids
    return oldest


def _carried_id(carried: Iterable[str], code: str, ids: set[str] | None) -> str:
    """Which of the tracked ids a turn carried names its coding: the code itself, else one the codebook then
    had (two codes merged into one on the same turn: the first in sorted order)."""
    carried = set(carried)
    if code in carried:
        return code
    defined = sorted(carried & ids) if ids else []
    return defined[0] if defined else sorted(carried)[0]


@dataclass(frozen=True)
class StaleTurnCheck:
    """`check`'s stale-turn warnings in two steps: the codebook's committed history first, then (only when a
    definition changed) the annotation files, which `check` can hand over as it read them."""

    study: Study
    codebook: Codebook
    top: Path
    changes: dict[str, DefinitionChange]

    @property
    def reads_annotations(self) -> bool:
        return bool(self.changes)

    def problems(self, read: Mapping[Path, Mapping[int, AnnotationRecord]] | None = None) -> list[Problem]:
        """Per code with stale turns, how many per coder, at the code's line in the codebook. `read`: annotation
        files already read (each as `AnnotationFile.open` gives its records); the others are read here. Nothing
        when a file cannot be read (check reports why)."""
        try:
            files = _coded_files(self.study, None)
            stale = _stale_items(self.top, self.study, self.codebook, files, _WorkingRecords(read), self.changes, [])
            items = _in_order(self.study, self.codebook, stale)
            document = read_toml(self.study.codebook_path, "codebook")
        except (PurerError, OSError):  # check reports what it could not read
            return []
        per_code: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        change_of: dict[str, DefinitionChange] = {}
        for item in items:
            if item.change is not None:
                per_code[item.code][item.coder] += 1
                change_of[item.code] = item.change
        problems = []
        for code_id, counts in per_code.items():
            change = change_of[code_id]
            total = sum(counts.values())
            by_coder = ", ".join(f"{coder} {count}" for coder, count in sorted(counts.items()))
            problems.append(
                Problem(
                    document.path,
                    document.locate(f"codes.{code_id}"),
                    f'{total} turn(s) coded with "{code_id}" before its definition changed on {change.date} '
                    f"(commit {change.commit[:7]}): {by_coder}; see purer-tui recheck --code {code_id}",
                    "warning",
                )
            )
        return problems


def stale_turn_check(study: Path) -> StaleTurnCheck | None:
    """The first step of `check`'s stale-turn warnings: None (and no git run) when the study is not in a git
    repository, and None when it cannot be read (check reports why)."""
    try:
        loaded = load_study(study)
        top = work_tree_of(loaded.root)
        if top is None:
            return None
        codebook = loaded.load_codebook()
        changes = _definition_changes(top, loaded, codebook, None, [], {})
    except (PurerError, OSError):  # check reports what it could not read
        return None
    return StaleTurnCheck(loaded, codebook, top, changes)


def stale_turn_problems(study: Path) -> list[Problem]:
    """`check`'s warnings: per code with stale turns, how many per coder, at the code's line in the codebook.
    Nothing at all (and no git run) when the study is not in a git repository; nothing when it cannot be read
    (check reports why)."""
    pending = stale_turn_check(study)
    return pending.problems() if pending is not None else []


def code_history(study: Path, code: str | None = None) -> tuple[list[CodeEvent], list[str]]:
    """Every change of every code of the study's codebook (or of `code`, followed across renames), oldest first,
    and notes for the reader."""
    loaded = load_study(study)
    top = work_tree_of(loaded.root)
    if top is None:
        raise PurerError(
            f"{display_path(loaded.root)} is not in a git repository, so the codebook has no history; "
            "commit the study with git to keep one"
        )
    loaded.check_codebook_inside()
    history = read_codebook_history(top, _relative(top, loaded.codebook_path))
    notes: list[str] = []
    _history_notes(history.skipped, history.cut, notes)
    events = codebook_events(history.revisions)
    if code is not None:
        events = events_of(events, code)
        if not events:
            raise UsageError(
                f'no code "{code}" in the committed history of {display_path(loaded.codebook_path)}; '
                "see purer-tui codebook history for every code"
            )
    return events, notes
