"""Preparing a coding session for `purer-tui code`: which transcripts, which codebook, which coder, and the locks.

Everything that can fail with a message (no study, a bad codebook, a
read-only folder, a coder or speaker that is not there, another process
coding the same files) fails here, before the terminal switches to the app,
so the message is one plain line. What the coder should know on opening
(who they are coding as, what starting an adjudication did) is collected
as notices the app shows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.case_metadata import speaker_role
from purer_tui.core.codebook import Codebook, load_codebook
from purer_tui.core.coders import CONSENSUS_CODER, validate_coder
from purer_tui.core.consensus import (
    read_consensus_sources,
    record_consensus_sources,
    seed_consensus,
)
from purer_tui.core.errors import PurerError, UsageError
from purer_tui.core.lock import CoderLocks
from purer_tui.core.memo_drafts import MemoDrafts
from purer_tui.core.recheck_items import RecheckItem
from purer_tui.core.recheck_queue import RecheckQueue
from purer_tui.core.resume_position import ResumePositions
from purer_tui.core.safe_text import excerpt
from purer_tui.core.session import CodingSession
from purer_tui.core.study import Study, resolve_transcripts
from purer_tui.core.study_coders import coders_with_files, require_coders
from purer_tui.core.study_index import StudyIndex
from purer_tui.core.suggestion_queue import SuggestionQueue
from purer_tui.core.suggestion_source import QueueSource, Suggestions
from purer_tui.core.transcript import load_transcript
from purer_tui.core.user_settings import (
    DEFAULT,
    EffectiveSettings,
    UserSettings,
    check_against_codebook,
    load_user_settings,
    resolve_coder,
    resolve_settings,
)
from purer_tui.services.suggestions import suggestions_enabled

#: When `--only` matches nothing, at most this many names are listed, each cut to this length.
NAMES_LISTED = 20
NAME_CHARACTERS = 40


@dataclass
class PreparedSession:
    session: CodingSession
    locks: CoderLocks
    keymap: Mapping[str, str]
    adjudicating: tuple[str, str] | None = None
    role_of: Callable[[str], str | None] | None = None  # a speaker's role, when the study declares roles
    notices: list[str] = field(default_factory=list)  # shown once the app opens
    positions: ResumePositions | None = None  # where this coder was, kept for the next opening
    drafts: MemoDrafts | None = None  # memos kept when the terminal closed mid-memo (in a study only)
    auto_advance: bool = False  # an exclusive group's code key also goes to the next turn (never adjudicating)
    theme: str | None = None  # a Textual theme the user's settings file chose
    study: Study | None = None  # the study coded in, when there is one (turns like this one are found in it)
    model_suggestions: str | None = None  # why the local model's suggestions are on (the `suggest` setting); None: off

    def save_position(self) -> None:
        turn = self.session.turn
        if self.positions is not None and turn is not None:
            self.positions.save(self.session.current.path, turn.number)


@dataclass(frozen=True)
class AdjudicationDone:
    """Adjudication found nothing left to settle; `summary` says what the consensus now holds."""

    summary: str


def prepare_session(
    paths: list[Path],
    coder: str | None,
    codebook_path: Path | None,
    only: list[str],
    show_coders: bool,
    *,
    auto_advance: bool | None = None,
    user: UserSettings | None = None,
) -> PreparedSession:
    """Everything `purer-tui code` needs to code as `coder` (default: $PURER_CODER, else the user's settings file,
    else the login name). `user`: the user's settings, read from their file when not given."""
    notices = []
    user = load_user_settings() if user is None else user
    chosen = resolve_coder(user, coder)  # first: a bad coder id is the first thing said
    coder = chosen.value
    if chosen.origin.source == DEFAULT:
        notices.append(
            f"Coding as {coder}, your login name (--coder NAME, PURER_CODER or coder in {user.path.name} to choose)."
        )
    study, transcripts = resolve_transcripts(paths or [Path(".")], needs_study=codebook_path is None)
    settings = _settings(user, study, coder=coder, auto_advance=auto_advance)
    codebook = _codebook(study, codebook_path)
    check_against_codebook(settings, {key: code.id for key, code in codebook.code_for_key().items()})
    _check_can_code(study, transcripts, paths)
    known = coders_with_files(study.transcript_paths() if study else transcripts)
    if known and coder not in known:
        notices.append(f"{coder} has coded nothing here yet; this study's coders: {', '.join(known)}.")
    speakers = resolve_only(only, transcripts, study) if only else None
    positions = ResumePositions(study.root, coder) if study is not None else None
    index = StudyIndex(study.root) if study is not None else None
    suggestions = _suggestions(study, codebook, coder, notices)
    model_suggestions = _model_suggestions(study, user, coder, notices)
    locks = CoderLocks()  # each transcript's, taken when the session opens it
    try:
        session = CodingSession(
            transcripts,
            codebook,
            coder,
            only=speakers,
            show_coders=show_coders,
            only_asked=only,
            locks=locks,
            index=index,
            suggestions=suggestions,
        )
        session.resume(positions.load() if positions else None)
    except BaseException:
        locks.release()
        raise
    notices += _passed_by(session)
    return PreparedSession(
        session,
        locks,
        settings.keymap,
        None,
        _role_of(study),
        notices,
        positions,
        drafts=MemoDrafts(study.root, session.coder) if study is not None else None,
        auto_advance=settings.auto_advance.value,
        theme=settings.theme_chosen,
        study=study,
        model_suggestions=model_suggestions,
    )


@dataclass(frozen=True)
class RecheckDone:
    """Nothing to recheck for this coder; `summary` says so."""

    summary: str


def prepare_recheck(
    paths: list[Path],
    coder: str | None,
    code_id: str | None,
    only: Sequence[str] = (),
    user: UserSettings | None = None,
    items: Sequence[RecheckItem] | None = None,
) -> PreparedSession | RecheckDone:
    """`purer-tui code --recheck [ID]`: a session visiting only this coder's turns coded under an older definition
    of a code (or of `code_id`), and the turns carrying a split code. `items`: the turns, found in the study's
    history when not given."""
    user = load_user_settings() if user is None else user
    coder = resolve_coder(user, coder).value
    study, transcripts = resolve_transcripts(paths or [Path(".")], needs_study=True)
    assert study is not None
    codebook = study.load_codebook()
    if code_id is not None and not codebook.has_code(code_id):
        raise UsageError(
            f'--recheck {code_id}: no code "{code_id}" in {study.codebook_path.name}; see purer-tui recheck'
        )
    settings = _settings(user, study, coder=coder)
    check_against_codebook(settings, {key: code.id for key, code in codebook.code_for_key().items()})
    notes: list[str] = []
    if items is None:
        from purer_tui.services.recheck import find_rechecks

        report = find_rechecks(study.root, [coder], code_id)
        items, notes = report.items, report.notes
    chosen = set(transcripts)
    queue = RecheckQueue(
        (
            item
            for item in items
            if item.coder == coder and item.transcript in chosen and (code_id is None or item.code == code_id)
        ),
        codebook,
    )
    which = f" for {code_id}" if code_id else ""
    if not queue.total:
        return RecheckDone(" ".join([*notes, f"Nothing to recheck{which} for {coder}."]))
    order = {path: index for index, path in enumerate(transcripts)}
    speakers = resolve_only(only, transcripts, study) if only else None
    locks = CoderLocks()
    try:
        session = CodingSession(
            sorted(queue.paths, key=order.__getitem__),
            codebook,
            coder,
            only=speakers,
            only_asked=only,
            locks=locks,
            recheck=queue,
        )
        session.resume()
        session.count_visits()  # "recheck 4 of 9"
    except BaseException:
        locks.release()
        raise
    notices = [
        *notes,
        f"Rechecking {queue.total} turn(s){which} as {coder}: change codes with their keys; enter confirms.",
        *_passed_by(session),
    ]
    return PreparedSession(
        session,
        locks,
        settings.keymap,
        None,
        _role_of(study),
        notices,
        drafts=MemoDrafts(study.root, coder),
        theme=settings.theme_chosen,
        study=study,
    )


def _settings(
    user: UserSettings, study: Study | None, coder: str | None = None, auto_advance: bool | None = None
) -> EffectiveSettings:
    return resolve_settings(
        user,
        coder=coder,
        auto_advance=auto_advance,
        study_keymap=study.keymap if study else None,
        study_path=study.path if study else None,
    )


def _passed_by(session: CodingSession) -> list[str]:
    """What the coder should know about the transcripts passed by on opening: a window has them,
    or they cannot be read."""
    elsewhere = [session.paths[index].name for index in sorted(session.locked_elsewhere)]
    notices = (
        [f"{_some(elsewhere)}: open in another purer-tui window as {session.coder}; n passes by it here."]
        if elsewhere
        else []
    )
    unreadable = [passed.reason for passed in session.passed_by.values() if not passed.elsewhere]
    notices += [f"Passed by: {excerpt(reason, 200)}" for reason in unreadable[:3]]
    if len(unreadable) > 3:
        notices.append(
            f"... and {len(unreadable) - 3} more transcript(s) that cannot be read: purer-tui check says why."
        )
    return notices


def prepare_adjudication(
    paths: list[Path],
    pair: tuple[str, str],
    consensus: str,
    codebook_path: Path | None = None,
    only: Sequence[str] = (),
    user: UserSettings | None = None,
) -> PreparedSession | AdjudicationDone:
    """Adjudicating `pair` into `consensus`: the turns both coders decided alike go into the consensus at once,
    and the session visits the turns they decided differently; when none is left, `AdjudicationDone`.

    The user's keys and theme apply; `auto_advance` does not (each disagreement is settled on purpose)."""
    first, second = (validate_coder(name) for name in pair)
    consensus = validate_coder(consensus)
    if len({first, second, consensus}) != 3:
        raise UsageError(
            "adjudicate two different coders, and write the consensus as a third (--as); "
            f"got {first}, {second} as {consensus}"
        )
    study, transcripts = resolve_transcripts(paths or [Path(".")], needs_study=codebook_path is None)
    known = coders_with_files(study.transcript_paths() if study else transcripts)
    require_coders([first, second], known)
    recorded = read_consensus_sources(study) if study is not None else {}  # a bad consensus.toml stops us here
    if consensus in known and consensus not in recorded and consensus != CONSENSUS_CODER:
        raise UsageError(
            f"--as {consensus}: {consensus} is a coder of this study, not a consensus; "
            "write the consensus as a new coder id"
        )
    user = load_user_settings() if user is None else user
    settings = _settings(user, study, coder=consensus)
    codebook = _codebook(study, codebook_path)
    notices: list[str] = []
    model_suggestions = _model_suggestions(study, user, consensus, notices, adjudicating=True)
    check_against_codebook(settings, {key: code.id for key, code in codebook.code_for_key().items()})
    _check_can_code(study, transcripts, paths)
    speakers = resolve_only(only, transcripts, study) if only else None
    from purer_tui.agreement.disagreements import disagreeing_turns

    locks = CoderLocks()
    try:
        for path in transcripts:
            locks.acquire(annotation_path(path, consensus))
        if study is not None:  # first, so that a consensus is never taken for an ordinary coder, even half-written
            record_consensus_sources(study, consensus, (first, second))
        seeded = seed_consensus(transcripts, first, second, consensus)
        to_settle = {path: set(disagreeing_turns(path, first, second)) for path in transcripts}
        with_work = [path for path in transcripts if to_settle[path]]
        locks.release()  # seeded: from here on the session holds the lock of the transcript it has open
        session = None
        if with_work:
            session = CodingSession(
                with_work,
                codebook,
                consensus,
                only=speakers,
                show_coders=[first, second],
                turn_filter=lambda path: to_settle[path],
                only_asked=only,
                locks=locks,
                suggestions=(
                    Suggestions([], codebook, study.root, _role_of(study))
                    if model_suggestions is not None and study is not None
                    else None
                ),
            )
            session.resume()
        visits = session.count_visits() if session else []  # also lets the app say "disagreement 4 of 9"
        disagreements = sum(progress.total for progress, _ in visits)
        unsettled = sum(left for _, left in visits)
    except BaseException:
        locks.release()
        raise
    summary = _adjudication_summary(
        first, second, consensus, seeded.added, seeded.agreed, disagreements, unsettled, seeded.one_sided
    )
    if session is None or not unsettled:
        if session is not None:
            session.close()
        locks.release()
        return AdjudicationDone(summary)
    return PreparedSession(
        session,
        locks,
        settings.keymap,
        (first, second),
        _role_of(study),
        [summary, *notices],
        drafts=MemoDrafts(study.root, consensus) if study is not None else None,
        theme=settings.theme_chosen,
        study=study,
        model_suggestions=model_suggestions,
    )


def _adjudication_summary(
    first: str, second: str, consensus: str, added: int, agreed: int, disagreements: int, unsettled: int, one_sided: int
) -> str:
    parts = [
        f"{first} and {second} decided {agreed} turn(s) alike: in {consensus}"
        + (f" ({added} added now)" if added else "")
    ]
    if disagreements:
        parts.append(
            f"{disagreements - unsettled} of {disagreements} disagreement(s) settled"
            + (f", {unsettled} to go" if unsettled else "")
        )
    else:
        parts.append("no disagreement")
    if not unsettled:
        parts.append("nothing left to settle")
    if one_sided:
        parts.append(
            f"{one_sided} turn(s) only one of them reviewed are not in it "
            f"(purer-tui disagreements --coders {first},{second} --one-sided lists them)"
        )
    return "; ".join(parts) + "."


def _codebook(study: Study | None, codebook_path: Path | None) -> Codebook:
    if codebook_path is not None:
        return load_codebook(codebook_path, study.keymap if study else {})
    assert study is not None  # resolve_transcripts insists on a study when no codebook is given
    return study.load_codebook()


def _check_can_code(study: Study | None, transcripts: list[Path], paths: list[Path]) -> None:
    if not transcripts:
        where = study.path if study else paths[0]
        raise UsageError(f"{where}: no transcripts to code; check the study's transcripts patterns")
    for folder in sorted({path.parent for path in transcripts}):
        if not os.access(folder, os.W_OK):
            raise PurerError(
                "the folder is read-only; coding saves annotations beside the transcripts, so it needs write access",
                folder,
            )


def _suggestions(study: Study | None, codebook: Codebook, coder: str, notices: list[str]) -> Suggestions | None:
    """The suggestions shown while coding a study: the codes queued for this coder (autocode --as-suggestions)."""
    if study is None:
        return None
    queue = SuggestionQueue(study.root, coder)
    usable = {code.id for code in codebook.codes if not code.split_into}
    gone = queue.map_codes(lambda code: code if code in usable else None)
    if gone and queue.save():  # a code renamed by a pulled codebook, split, or removed: nothing to apply
        notices.append(
            f"{gone} queued suggestion(s) named codes the codebook no longer applies (renamed, split or removed "
            "in a pull): dropped."
        )
    if queue.notice:
        notices.append(queue.notice[0].upper() + queue.notice[1:] + ".")
    elif queue.turn_count:
        notices.append(f"{queue.turn_count} turn(s) have suggested codes for {coder}: n goes to them, ctrl+a accepts.")
    return Suggestions([QueueSource(queue)], codebook, study.root, _role_of(study))


def _model_suggestions(
    study: Study | None, user: UserSettings, coder: str, notices: list[str], adjudicating: bool = False
) -> str | None:
    """Why the local model's suggestions are on for this coder, or None (said when the coder's own setting asked)."""
    if study is None:
        return None
    on, why = suggestions_enabled(study, user, coder, adjudicating)
    if on:
        return why
    if user.suggest:
        notices.append(f"Suggestions off: {why}.")
    return None


def _role_of(study: Study | None) -> Callable[[str], str | None] | None:
    return (lambda speaker: speaker_role(study, speaker)) if study is not None and study.roles else None


def _some(names: Sequence[str]) -> str:
    """A bounded list of untrusted names, for a one-line message."""
    listed = ", ".join(excerpt(name, NAME_CHARACTERS) for name in names[:NAMES_LISTED])
    return listed + (f" and {len(names) - NAMES_LISTED} more" if len(names) > NAMES_LISTED else "")


def resolve_only(values: Sequence[str], transcripts: Sequence[Path], study: Study | None) -> frozenset[str]:
    """The speakers `--only` names: each value a speaker or a role of the study, matched ignoring case.

    A value that matches no speaker of these transcripts is an error listing them, never an empty app.
    """
    speakers = list(
        dict.fromkeys(turn.speaker for path in transcripts for turn in load_transcript(path).turns if turn.speaker)
    )
    role_of = _role_of(study)
    roles = {speaker: (role_of(speaker) or "") if role_of else "" for speaker in speakers}
    chosen: set[str] = set()
    for value in values:
        wanted = value.strip().casefold()
        matched = {
            speaker for speaker in speakers if speaker.casefold() == wanted or roles[speaker].casefold() == wanted
        }
        if not matched:
            declared = sorted({role for role in roles.values() if role})
            role_note = f"; the roles: {_some(declared)}" if declared else ""
            raise UsageError(
                f'--only "{excerpt(value, NAME_CHARACTERS)}": no speaker or role of that name in these transcripts; '
                f"the speakers: {_some(sorted(speakers)) or 'none'}{role_note}"
            )
        chosen |= matched
    return frozenset(chosen)
