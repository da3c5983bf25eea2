"""Agreement over a study's git history: `agree --at REV` and `agree --history`.

`agreement_at` computes exactly what `purer-tui agree` computes, on the study
as a commit holds it (read by `gitwork.study_revision`, never checked out).
`agreement_history` does it for each commit that changed what agreement
reads (the study file, the codebook, the consensus file, an annotation
file), or for each tagged commit (a team tags each training round), so each
row equals `agree --at` at its commit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from purer_tui.agreement.coefficients import KAPPA
from purer_tui.agreement.study_agreement import StudyAgreement, filter_transcripts, measure_collected
from purer_tui.core.codebook import Codebook
from purer_tui.core.codebook_changes import ADDED, RENAMED, codebook_events, events_of
from purer_tui.core.errors import PurerError, UsageError
from purer_tui.core.safe_text import excerpt, json_safe, one_line
from purer_tui.gitwork.codebook_history import read_codebook_history
from purer_tui.gitwork.repository import Commit, descendants, literal, log, tags
from purer_tui.gitwork.study_revision import StudyHistory, StudyRevision

#: Rows a history shows at most (the newest are kept; --since chooses others).
MAX_ROWS = 500
#: Characters of a commit's subject or tag names a row shows, and of a subject in JSON.
LABEL_CHARACTERS = 60
SUBJECT_CHARACTERS = 500
#: Why a row of an exclusive group (`--code GROUP`) has no kappa.
GROUP_KAPPA_NOTE = "kappa is computed per code only; an exclusive group has alpha and percent agreement"


def agreement_at(
    history: StudyHistory,
    revision: StudyRevision,
    coders: Sequence[str] | None,
    pattern: str | None,
    without_suggested: bool = False,
    bootstrap: tuple[int, int] | None = None,
) -> StudyAgreement:
    """`purer-tui agree` on the study as it was at the revision's commit."""
    transcripts = filter_transcripts(revision.transcripts, revision.root, pattern)
    if not transcripts:
        raise UsageError(f'no transcript matches "{pattern}" at commit {revision.commit.short}')
    chosen = history.agreement_coders(revision, transcripts, coders)
    collected = history.units(revision, transcripts, chosen)
    return measure_collected(collected, revision.codebook, chosen, len(transcripts), without_suggested, bootstrap)


def study_agreement_at(
    start: Path,
    revision: str,
    coders: Sequence[str] | None,
    pattern: str | None,
    without_suggested: bool = False,
    bootstrap: tuple[int, int] | None = None,
) -> tuple[StudyAgreement, Commit]:
    history = StudyHistory(start)
    commit = history.resolve(revision)
    return agreement_at(history, history.at(commit), coders, pattern, without_suggested, bootstrap), commit


@dataclass
class HistoryRow:
    commit: Commit
    tags: list[str]
    coders: list[str] = field(default_factory=list)
    transcripts: int = 0
    turns_shared: int = 0
    alpha: float | None = None  # the MASI alpha, or with a code that code's (or exclusive group's) alpha
    alpha_units: int = 0
    kappa: float | None = None  # the mean kappa over codes, or the code's kappa
    kappa_kind: str = ""
    kappa_note: str = ""  # why there is no kappa at all (an exclusive group), not merely undefined
    note: str = ""

    @property
    def label(self) -> str:
        """The tag names, else the commit's subject: one line, bounded, control characters made visible."""
        return excerpt(", ".join(self.tags) if self.tags else self.commit.subject, LABEL_CHARACTERS)


@dataclass
class AgreementHistory:
    rows: list[HistoryRow]
    code: str | None
    by_tags: bool
    study_file: Path  # what a chart written from the rows is no more readable than
    left_out: int = 0  # older rows beyond MAX_ROWS
    since: date | None = None

    @property
    def empty_message(self) -> str:
        """What to say when there is no row."""
        since = f" since {self.since.isoformat()}" if self.since else ""
        if self.by_tags:
            return f"No tagged commit{since}."
        return f"No commit{since} changed the study's coding, codebook or study file."


def agreement_history(
    start: Path,
    *,
    since: date | None = None,
    code: str | None = None,
    by_tags: bool = False,
    coders: Sequence[str] | None = None,
    pattern: str | None = None,
    limit: int = MAX_ROWS,
) -> AgreementHistory:
    """One row per commit that changed what agreement reads (oldest first), or per tagged commit."""
    history = StudyHistory(start)
    tagged = tags(history.top)
    chosen: list[tuple[Commit, dict[str, str] | None]] = []
    if by_tags:
        if not tagged:
            raise UsageError("the repository has no tags; tag each round, like `git tag round-1`, then run again")
        # Oldest first, and a round never before the round it grew from, even when both were committed
        # in the same second: the tagged commits in the order of their history.
        walked = [commit for commit in log(history.top, ["--topo-order", *tagged], ()) if commit.sha in tagged]
        unwalked = {commit.sha for commit in walked}
        walked += [c for c in log(history.top, ["--no-walk", *tagged], ()) if c.sha not in unwalked]  # past the limit
        commits = list(reversed(walked))
        chosen = [(commit, None) for commit in commits if since is None or commit.day >= since.isoformat()]
    else:
        folder = [literal(history.folder)] if history.folder else []
        commits = list(reversed(log(history.top, ["--topo-order", "HEAD"], folder)))
        previous: tuple[tuple[str, str], ...] = ()
        for commit in commits:
            files = history.files(commit)
            fingerprint = history.fingerprint(files)
            changed = fingerprint != previous and history.study_file.name in files
            previous = fingerprint
            if changed and (since is None or commit.day >= since.isoformat()):
                chosen.append((commit, files))
    left_out = max(0, len(chosen) - limit)
    revisions: list[tuple[Commit, StudyRevision | PurerError]] = []
    for commit, listed in chosen[left_out:]:
        try:
            revisions.append((commit, history.at(commit, listed)))
        except PurerError as error:
            revisions.append((commit, error))
    ids = None
    if code is not None:
        readable = [revision for _, revision in revisions if isinstance(revision, StudyRevision)]
        ids = CodeIds.following(history, code, readable[-1]) if readable else CodeIds(code)
    rows = []
    missing = 0
    for commit, revision in revisions:
        row = HistoryRow(commit, tagged.get(commit.sha, []))
        try:
            if isinstance(revision, PurerError):
                raise revision
            ident = ids.at(commit, revision.codebook) if ids is not None else None
            found = _fill(row, agreement_at(history, revision, coders, pattern), ident)
            missing += not found
            if ident is not None and ident != code:
                row.note = "; ".join(note for note in (f"as {ident}", row.note) if note)
        except PurerError as error:
            row.note = excerpt(one_line(str(error)), 200)
            missing += code is not None and 'no code "' in row.note
        rows.append(row)
    if code is not None and rows and missing == len(rows):
        raise UsageError(f'no code "{code}" in the codebook at any of these commits')
    return AgreementHistory(rows, code, by_tags, history.study_file, left_out, since)


@dataclass(frozen=True)
class _Rename:
    old: str
    new: str
    after: frozenset[str]  # the commit that renamed, and the commits of HEAD's history that descend from it


@dataclass
class CodeIds:
    """The id one code had at each commit, followed across renames of HEAD's codebook history (a merge into a new
    id renames the first code merged). A merge into an existing code is not followed: before it, the rows are that
    code's own figures."""

    code: str
    renames: list[_Rename] = field(default_factory=list)  # oldest first

    @classmethod
    def following(cls, history: StudyHistory, code: str, newest: StudyRevision) -> CodeIds:
        """`code` as the codebook names it today or named it once (an id renamed since is followed forward)."""
        found = read_codebook_history(history.top, history.in_repository(newest.codebook_name))
        events = codebook_events(found.revisions)
        current = code
        for event in events:
            if event.kind == RENAMED and event.old_id == current:
                current = event.code
            elif event.kind == ADDED and event.code == code:
                current = code  # the id is in use again, by a new code: that is the one meant
        renames = [
            _Rename(event.old_id, event.code, frozenset(descendants(history.top, event.commit) | {event.commit}))
            for event in events_of(events, current)
            if event.kind == RENAMED
        ]
        return cls(code, renames)

    @property
    def chain(self) -> list[str]:
        """Every id the code had, oldest first."""
        return [self.renames[0].old, *(rename.new for rename in self.renames)] if self.renames else [self.code]

    def at(self, commit: Commit, codebook: Codebook) -> str:
        ident = self.chain[0]
        for rename in self.renames:
            if commit.sha in rename.after:
                ident = rename.new
        if not _names(codebook, ident):  # a commit outside HEAD's history (a tag on another branch, say)
            ident = next((old for old in reversed(self.chain) if _names(codebook, old)), ident)
        return ident


def _names(codebook: Codebook, ident: str) -> bool:
    return codebook.has_code(ident) or any(group.id == ident for group in codebook.groups)


def _fill(row: HistoryRow, result: StudyAgreement, code: str | None) -> bool:
    """The row's figures from `agree` at its commit; False when the codebook there has no such code."""
    row.coders = result.coders
    row.transcripts = result.transcripts
    row.turns_shared = result.units_shared
    row.kappa_kind = result.kappa_kind
    notes = [result.note] if result.note else []
    notes += [
        f'split "{split}" still on {turns} turn(s): recode them (purer-tui code --recheck {split})'
        for split, (_, turns) in result.split_pending.items()
    ]
    row.note = "; ".join(notes)
    if code is None:
        row.alpha = result.masi_alpha.value if result.masi_alpha else None
        row.alpha_units = result.masi_alpha.units if result.masi_alpha else 0
        row.kappa = result.means.get(KAPPA.id)
        return True
    for item in result.codes:
        if item.code.id == code:
            row.alpha, row.alpha_units = item.alpha.value, item.alpha.units
            row.kappa = item.kappa.value
            return True
    for group in result.groups:
        if group.group.id == code:
            row.alpha, row.alpha_units = group.alpha.value, group.alpha.units
            row.kappa_kind = ""  # kappa is not computed over a group
            row.kappa_note = GROUP_KAPPA_NOTE
            return True
    row.note = f'no code "{code}" in the codebook at this commit'
    return False


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def history_json(history: AgreementHistory) -> str:
    data = {
        "rows_by": "tag" if history.by_tags else "commit",
        "code": history.code,
        "alpha": f"{history.code} alpha" if history.code else "alpha over each turn's whole set of codes (MASI)",
        "kappa": f"{history.code} kappa" if history.code else "mean kappa over codes",
        "left_out": history.left_out,
        "rows": [
            {
                "commit": row.commit.sha,
                "date": row.commit.date,
                "tags": row.tags,
                "subject": one_line(row.commit.subject)[:SUBJECT_CHARACTERS],
                "coders": row.coders,
                "transcripts": row.transcripts,
                "turns_shared": row.turns_shared,
                "alpha": {"value": _round(row.alpha), "units": row.alpha_units},
                "kappa": {"value": _round(row.kappa), "kind": row.kappa_kind or None, "note": row.kappa_note or None},
                "note": row.note or None,
            }
            for row in history.rows
        ],
    }
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False))


CSV_COLUMNS = ["commit", "date", "label", "coders", "transcripts", "turns_shared", "alpha", "alpha_units"]


def history_csv(history: AgreementHistory) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, "kappa", "kappa_kind", "note"])
    for row in history.rows:
        writer.writerow(
            [
                row.commit.short,
                row.commit.day,
                row.label,
                " ".join(row.coders),
                row.transcripts,
                row.turns_shared,
                _cell(row.alpha),
                row.alpha_units,
                _cell(row.kappa),
                row.kappa_kind,
                row.note,
            ]
        )
    return out.getvalue()


def _cell(value: float | None) -> object:
    return "" if value is None else round(value, 6)


def history_chart(history: AgreementHistory) -> str:
    """The rows' alpha and kappa as a line chart (SVG), one point per row."""
    from purer_tui.reports.charts import Series, line_chart

    what = history.code or "overall"
    series = [Series(f"α {history.code}" if history.code else "α (MASI)", [row.alpha for row in history.rows])]
    if not history.rows or not all(row.kappa_note for row in history.rows):  # an exclusive group has no kappa
        series.append(Series(f"κ {history.code}" if history.code else "mean κ", [row.kappa for row in history.rows]))
    return line_chart(
        "agreement-history",
        title=f"Agreement per {'round' if history.by_tags else 'commit'} ({what})",
        labels=[row.label if row.tags else f"{row.commit.short} {row.commit.day}" for row in history.rows],
        series=series,
    )
