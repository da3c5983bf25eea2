"""`purer-tui autocode`: apply a code to every turn whose text matches a phrase or a pattern.

Planning reads the study's transcripts one at a time, keeps only the
matching turns (an excerpt, never the whole text), and sorts each into what
would happen to it: coded now, or left alone and why (it carries the code
already, the code is for other speakers' roles, it carries another code of
the code's exclusive group, it is in a merge conflict, its file no longer
matches the transcript, or another process is coding the file). A coder's
decision is never replaced: only turns that can take the code without
losing anything are coded.

A file is read under the coder's lock, and written under it again: a file
another process is coding (the app, as the same coder) is listed and left
alone. Between showing and applying, the app may open a file (the locks are
let go while the coder reads the list, so that a large study never holds
thousands of them); applying therefore takes each lock again, folds in a
crashed session's journal, decides each turn again on the file as it is
then, and writes the file once, atomically.

With `--as-suggestions` nothing is applied: the turns that would be coded are
queued in the coder's clone-local suggestion queue (core/suggestion_queue.py)
for the coder to confirm in the app, and no annotation file is written.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.agreement.study_agreement import filter_transcripts
from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.case_metadata import speaker_role
from purer_tui.core.code_application import Outcome as Outcome  # where the rule lives; named here for callers
from purer_tui.core.code_application import decide, with_code
from purer_tui.core.codebook import Codebook
from purer_tui.core.coders import validate_coder
from purer_tui.core.errors import PurerError, UsageError, display_path
from purer_tui.core.lock import CoderLocks, LockedError
from purer_tui.core.reanchor import is_stale
from purer_tui.core.safe_text import excerpt
from purer_tui.core.study import Study, load_study
from purer_tui.core.study_coders import coders_with_files
from purer_tui.core.study_files import Signature, file_signature
from purer_tui.core.suggestion_queue import QueuedCode, SuggestionQueue
from purer_tui.core.transcript import load_transcript
from purer_tui.core.turn_matching import Excerpt, PatternMatcher, Span, TurnMatcher, excerpt_around

#: Names listed at most in a message (a speaker or role that is not there), each cut to this length.
NAMES_LISTED = 20
NAME_CHARACTERS = 40


@dataclass(frozen=True)
class MatchedTurn:
    transcript: Path
    turn: int
    speaker: str
    role: str | None
    anchor: str
    excerpt: Excerpt
    outcome: Outcome
    clashing: tuple[str, ...] = ()  # for a clash: the codes of the exclusive group the turn carries


@dataclass
class AutocodePlan:
    """The matching turns of the transcripts searched, and what applying the code would do to each."""

    study: Study
    codebook: Codebook
    code: str
    coder: str
    transcripts: list[Path]  # searched, in study order
    turns: list[MatchedTurn]
    signatures: dict[Path, Signature | None] = field(default_factory=dict)  # each transcript's as it was read
    to_queue: bool = False  # the code is to be queued as a suggestion: no annotation file will be written

    @property
    def to_apply(self) -> list[MatchedTurn]:
        return [turn for turn in self.turns if turn.outcome is Outcome.APPLY]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for turn in self.turns if turn.outcome is outcome)

    def per_transcript(self) -> dict[Path, list[MatchedTurn]]:
        grouped: dict[Path, list[MatchedTurn]] = {}
        for turn in self.turns:
            grouped.setdefault(turn.transcript, []).append(turn)
        return grouped


@dataclass(frozen=True)
class Applied:
    """What applying did: turns coded, files written, and turns left alone because, since they were shown, their
    record changed (a `git pull`, the app) or another process began coding their file."""

    turns: int
    files: int
    changed_meanwhile: int = 0
    locked_meanwhile: int = 0

    def commit_message(self, code: str, coder: str, how: str) -> str:
        return (
            f"Autocode {code} for {coder} ({how})\n\n"
            f"{self.turns} turn(s) in {self.files} annotation file(s) coded {code}."
        )


def plan_autocode(
    study_folder: Path,
    code: str,
    coder: str,
    matcher: TurnMatcher,
    *,
    speaker: str | None = None,
    role: str | None = None,
    transcripts_glob: str | None = None,
    new_coder: bool = False,
    to_queue: bool = False,
) -> AutocodePlan:
    """Every turn of the study (or of the transcripts matching `transcripts_glob`) whose text matches, narrowed to
    a speaker or a role, and what applying `code` as `coder` would do to each. A coder with no annotation file
    in the study is refused unless `new_coder` (a typo would otherwise code in a new name). `to_queue`: the code
    will be queued as a suggestion, not written, so a file the coder has open in the app is read all the same."""
    coder = validate_coder(coder)
    if speaker is not None and role is not None:
        raise UsageError("choose one of --speaker and --role")
    study = load_study(study_folder)
    codebook = study.load_codebook()
    _check_code(study, codebook, code)
    if role is not None:
        role = _check_role(study, role)
    known = coders_with_files(study.transcript_paths())
    if known and coder not in known and not new_coder:  # a typo would start a coder and code in their name
        raise UsageError(
            f'no coder "{coder}" in this study (its coders: {", ".join(known)}); check the spelling, '
            "or add --new-coder to start one"
        )
    paths = filter_transcripts(study.transcript_paths(), study.root, transcripts_glob)
    if not paths:
        raise UsageError(
            f'no transcript matches "{excerpt(transcripts_glob, NAME_CHARACTERS)}"'
            if transcripts_glob
            else f"{display_path(study.path)}: no transcripts; check the study's transcripts patterns"
        )
    role_of: Callable[[str], str | None] = (
        (lambda name: speaker_role(study, name)) if study.roles else (lambda name: None)
    )
    wanted = speaker.strip().casefold() if speaker is not None else None
    plan = AutocodePlan(study, codebook, code, coder, paths, [], to_queue=to_queue)
    speakers: set[str] = set()
    # Before anything is read: a transcript changed after this (a pull) is left alone when applying.
    plan.signatures = {path: file_signature(path, follow_links=True) for path in paths}
    spans = _spans_in_time(paths, matcher)
    for path in paths:
        plan.turns += _plan_transcript(plan, path, spans[path], wanted, role, role_of, speakers)
    if speaker is not None and not any(name.casefold() == wanted for name in speakers):
        raise UsageError(
            f'--speaker "{excerpt(speaker, NAME_CHARACTERS)}": nobody of that name speaks in these transcripts; '
            f"the speakers: {_some(sorted(speakers)) or 'none'}"
        )
    return plan


#: Seconds a --pattern may search the transcripts chosen. Python's regular expressions cannot be stopped once
#: started, and no check of a pattern's shape catches every slow one (`.*a.*b.*c` on a long turn), so the
#: search runs in a child process that is stopped when its time is up.
PATTERN_SECONDS = 30


def _spans_in_time(paths: list[Path], matcher: TurnMatcher) -> dict[Path, dict[int, Span]]:
    """Where the matcher first matches in each turn of each transcript (turn number -> span). A phrase is
    searched here (linear in the text); a pattern in a child process given PATTERN_SECONDS, which reads the
    transcripts itself (the text never goes through a file) and is stopped when its time is up."""
    if not isinstance(matcher, PatternMatcher):
        return {path: _spans_of(path, matcher) for path in paths}
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = context.Pool(1)
    try:
        found: dict[Path, dict[int, Span]] | str = pool.apply_async(_spans_of_all, (paths, matcher)).get(
            PATTERN_SECONDS
        )
    except multiprocessing.TimeoutError:
        raise UsageError(
            f"--pattern took longer than {PATTERN_SECONDS} s to search these transcripts (some patterns slow down "
            "enormously on long turns, like .*a.*b.*c); nothing was changed: simplify it, or use --text"
        ) from None
    finally:
        pool.terminate()
    if isinstance(found, str):
        raise PurerError(found)  # a transcript that cannot be read, said as it would be here
    return found


def _spans_of_all(paths: list[Path], matcher: TurnMatcher) -> dict[Path, dict[int, Span]] | str:
    try:
        return {path: _spans_of(path, matcher) for path in paths}
    except PurerError as error:  # comes back as its message: an exception's own fields need not cross processes
        return str(error)


def _spans_of(path: Path, matcher: TurnMatcher) -> dict[int, Span]:
    spans = {}
    for turn in load_transcript(path).turns:
        span = matcher.find(turn.text)
        if span is not None:
            spans[turn.number] = span
    return spans


def _plan_transcript(
    plan: AutocodePlan,
    path: Path,
    spans: dict[int, Span],
    speaker: str | None,
    role: str | None,
    role_of: Callable[[str], str | None],
    speakers: set[str],
) -> list[MatchedTurn]:
    transcript = load_transcript(path)
    found = []
    roles: dict[str, str | None] = {}
    for turn in transcript.turns:
        speakers.add(turn.speaker)
        if turn.speaker not in roles:
            roles[turn.speaker] = role_of(turn.speaker)
        if speaker is not None and turn.speaker.casefold() != speaker:
            continue
        if role is not None and roles[turn.speaker] != role:
            continue
        span = spans.get(turn.number)
        if span is not None:
            found.append((turn, span))
    if not found:
        return []
    store_path = annotation_path(path, plan.coder)
    records: dict[int, AnnotationRecord] = {}
    locks = CoderLocks()
    whole_file: Outcome | None = None
    try:
        locks.acquire(store_path)
    except LockedError:
        if not plan.to_queue:
            whole_file = Outcome.LOCKED
        else:  # only read (the app writes each change atomically, its journal replayed here): nothing is written
            records = dict(AnnotationFile.open(store_path).records)
    else:
        try:
            records = dict(AnnotationFile.open(store_path).records)  # a crashed session's journal replayed, unwritten
        finally:
            locks.release()
    if whole_file is None and any(is_stale(record, transcript) for record in records.values()):
        whole_file = Outcome.STALE
    matched = []
    for turn, span in found:
        speaker_role_ = roles[turn.speaker]
        outcome, clashing = (
            (whole_file, ())
            if whole_file
            else decide(records.get(turn.number), speaker_role_, plan.code, plan.codebook)
        )
        matched.append(
            MatchedTurn(
                path,
                turn.number,
                turn.speaker,
                speaker_role_,
                turn.anchor,
                excerpt_around(turn.text, span),
                outcome,
                clashing,
            )
        )
    return matched


def apply_autocode(plan: AutocodePlan) -> Applied:
    """Add the code to every turn the plan codes: per file, under the coder's lock, one atomic write.

    Each turn is decided again on the file as it is now, and left alone unless it can still take the code;
    a file another process has begun coding meanwhile is left alone."""
    coded = files = changed = locked = 0
    coded_turns: list[tuple[str, int]] = []
    for path, turns in plan.per_transcript().items():
        chosen = [turn for turn in turns if turn.outcome is Outcome.APPLY]
        if not chosen:
            continue
        store_path = annotation_path(path, plan.coder)
        locks = CoderLocks()
        try:
            locks.acquire(store_path)
        except LockedError:
            locked += len(chosen)
            continue
        try:
            if file_signature(path, follow_links=True) != plan.signatures.get(path):
                changed += len(chosen)  # the transcript changed since it was shown (a pull): its turns may have moved
                continue
            AnnotationFile.open(store_path, journaled=True).close()  # fold in a crashed session's journal
            store = AnnotationFile.open(store_path)
            records = []
            for turn in chosen:
                record = store.get(turn.turn)
                outcome, _ = decide(record, turn.role, plan.code, plan.codebook)
                if outcome is not Outcome.APPLY or (record is not None and record.anchor not in (None, turn.anchor)):
                    changed += 1
                    continue
                records.append(with_code(record, turn.turn, turn.anchor, plan.code, plan.codebook))
            if records:
                store.put_many(records)
                coded += len(records)
                files += 1
                name = path.relative_to(plan.study.root).as_posix()
                coded_turns += [(name, record.turn) for record in records]
        finally:
            locks.release()
    _unqueue(plan, coded_turns)
    return Applied(coded, files, changed, locked)


def _unqueue(plan: AutocodePlan, turns: list[tuple[str, int]]) -> None:
    """The turns just coded wait with that code in the coder's suggestion queue no more (read as it is now: the
    app may have settled some meanwhile). A queue that cannot be written keeps them: the app passes by a queued
    code the turn already carries."""
    queue = SuggestionQueue(plan.study.root, plan.coder)
    if len(queue) and sum(len(queue.remove(name, turn, (plan.code,))) for name, turn in turns):
        queue.save()


@dataclass(frozen=True)
class Queued:
    """What queueing did: codes newly queued, turns already queued with the code, and turns left alone because
    their transcript changed since it was shown."""

    added: int
    already: int
    changed_meanwhile: int
    waiting: int  # turns with a queued code for this coder now, in all
    notice: str | None = None  # the queue on disk was not believed (and is replaced)


def queue_autocode(plan: AutocodePlan, source: str) -> Queued:
    """Queue the code as a suggestion on every turn the plan would code (`source`: what queued it, no transcript
    text), for the coder to confirm in the app; nothing is applied."""
    queue = SuggestionQueue(plan.study.root, plan.coder)
    entries = []
    changed = 0
    for path, turns in plan.per_transcript().items():
        chosen = [turn for turn in turns if turn.outcome is Outcome.APPLY]
        if not chosen:
            continue
        if file_signature(path, follow_links=True) != plan.signatures.get(path):
            changed += len(chosen)  # the transcript changed since it was shown: its turns may have moved
            continue
        name = path.relative_to(plan.study.root).as_posix()
        entries += [QueuedCode(name, turn.turn, turn.anchor, plan.code, source) for turn in chosen]
    added = queue.add(entries)
    if entries and not queue.save():
        raise PurerError(
            "could not write the suggestion queue in the study's .purer folder (check that it is yours and "
            "writable); nothing was queued"
        )
    return Queued(added, len(entries) - added, changed, queue.turn_count, queue.notice)


def _check_code(study: Study, codebook: Codebook, code: str) -> None:
    if not codebook.has_code(code):
        raise UsageError(
            f'no code "{excerpt(code, NAME_CHARACTERS)}" in {display_path(study.codebook_path)}; '
            "purer-tui codebook show lists the codes"
        )
    split_into = codebook.code(code).split_into
    if split_into:
        raise UsageError(f"{code} was split into {', '.join(split_into)} and is applied no more; apply one of those")


def _check_role(study: Study, role: str) -> str:
    wanted = role.strip().casefold()
    for declared in study.roles:
        if declared.casefold() == wanted:
            return declared
    declared_roles = _some(sorted(study.roles))
    raise UsageError(
        f'--role "{excerpt(role, NAME_CHARACTERS)}": no such role in {display_path(study.path)}; '
        + (f"its roles: {declared_roles}" if declared_roles else "it declares none ([roles]); use --speaker")
    )


def _some(names: Sequence[str]) -> str:
    """A bounded list of untrusted names, for a one-line message."""
    listed = ", ".join(excerpt(name, NAME_CHARACTERS) for name in names[:NAMES_LISTED])
    return listed + (f" and {len(names) - NAMES_LISTED} more" if len(names) > NAMES_LISTED else "")
