"""The consensus: one coding settled from two coders', complete over every turn both of them decided.

`purer-tui code --adjudicate ana,ben` writes the consensus as an ordinary
coder (`consensus` by default). When it starts, every turn ana and ben both
reviewed with the same codes goes into the consensus at once (`seed_consensus`),
so that once each disagreement is settled the consensus covers every turn
both of them decided. Turns only one of them reviewed (or flagged) are
counted and listed, never guessed.

Which coders a consensus settles is kept in the study's `consensus.toml`
(see docs/formats.md), so reports can say how much of their work it covers
("consensus: 27 of 27 turns both ana and ben reviewed"). A consensus file
made before that record existed is taken to settle every other coder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_paths import annotation_files, annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.coded_units import collect_units
from purer_tui.core.coders import CODER_PATTERN, CONSENSUS_CODER
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.study import Study
from purer_tui.core.toml_files import TomlDocument, parse_toml, read_toml
from purer_tui.core.transcript import load_transcript

CONSENSUS_FILE = "consensus.toml"
#: A consensus file names a few coders; anything this large is not one.
MAX_CONSENSUS_FILE_BYTES = 64 * 1024

_HEADER = (
    "# Which coders each consensus coder settles, written by `purer-tui code --adjudicate`.\n"
    "# Reports use it to say how much of those coders' work a consensus covers. See docs/formats.md.\n\n"
)


def consensus_file(study: Study) -> Path:
    return study.root / CONSENSUS_FILE


def read_consensus_sources(study: Study) -> dict[str, tuple[str, ...]]:
    """Each consensus coder recorded in the study, with the coders it settles; raises `InvalidFileError`."""
    problems: list[Problem] = []
    sources = _read(consensus_file(study), problems)
    if any(problem.is_error for problem in problems):
        raise InvalidFileError(problems)
    return sources


def consensus_file_problems(study: Study, known: Sequence[str] | None = None) -> list[Problem]:
    """Every problem of the study's consensus file, for `check` (none when there is no file).

    With `known` (the coders who have annotation files), names no file backs are warnings:
    a misspelt or planted name would otherwise take a real coder out of every report.
    """
    problems: list[Problem] = []
    _read(consensus_file(study), problems, known)
    return problems


def _read(path: Path, problems: list[Problem], known: Sequence[str] | None = None) -> dict[str, tuple[str, ...]]:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return {}
    except OSError as error:
        problems.append(Problem(path, None, f"cannot be read: {error.strerror or error}"))
        return {}
    if stat.S_ISLNK(status.st_mode) or not stat.S_ISREG(status.st_mode):
        problems.append(
            Problem(path, None, "is not a plain file (a link?); it must be a file of the study, as purer-tui writes it")
        )
        return {}
    if status.st_size > MAX_CONSENSUS_FILE_BYTES:
        problems.append(
            Problem(
                path,
                None,
                f"is larger than {MAX_CONSENSUS_FILE_BYTES // 1024} KiB; it only names coders, so this is not one",
            )
        )
        return {}
    try:
        document = read_toml(path, "consensus file", follow_links=False)
    except InvalidFileError as error:
        problems.extend(error.problems)
        return {}
    sources = _sources(document, problems)
    if known is not None:
        for consensus, coders in sources.items():
            if consensus not in known:
                problems.append(
                    document.problem(consensus, f"{consensus} has no annotation files in the study yet", "warning")
                )
            missing = [coder for coder in coders if coder not in known]
            if missing:
                problems.append(
                    document.problem(
                        f"{consensus}.coders",
                        f"{', '.join(missing)} coded nothing in the study; check the names",
                        "warning",
                    )
                )
    return sources


def parse_consensus_sources(data: bytes, path: Path) -> dict[str, tuple[str, ...]]:
    """The sources a consensus file's bytes record (a file at a commit); raises `InvalidFileError`."""
    if len(data) > MAX_CONSENSUS_FILE_BYTES:
        raise InvalidFileError(
            [Problem(path, None, f"is larger than {MAX_CONSENSUS_FILE_BYTES // 1024} KiB; it only names coders")]
        )
    problems: list[Problem] = []
    sources = _sources(parse_toml(data, path, "consensus file"), problems)
    if any(problem.is_error for problem in problems):
        raise InvalidFileError(problems)
    return sources


def _sources(document: TomlDocument, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    sources: dict[str, tuple[str, ...]] = {}
    for consensus, table in document.data.items():
        if not CODER_PATTERN.match(consensus):
            problems.append(
                document.problem(consensus, "is not a coder id; the tables are consensus coders, like [consensus]")
            )
            continue
        if not isinstance(table, dict) or set(table) != {"coders"}:
            problems.append(document.problem(consensus, 'must be a table with only coders = ["ana", "ben"]'))
            continue
        coders = table["coders"]
        if (
            not isinstance(coders, list)
            or not all(isinstance(coder, str) and CODER_PATTERN.match(coder) for coder in coders)
            or len(set(coders)) != len(coders)
            or len(coders) < 2
            or consensus in coders
        ):
            problems.append(
                document.problem(
                    f"{consensus}.coders",
                    f'must list two or more different coder ids, not {consensus} itself, like ["ana", "ben"]',
                )
            )
            continue
        sources[consensus] = tuple(coders)
    return sources


def record_consensus_sources(study: Study, consensus: str, coders: Sequence[str]) -> None:
    """Note in `consensus.toml` that `consensus` settles these coders (added to any it settled before)."""
    sources = read_consensus_sources(study)
    recorded = sources.get(consensus, ())
    merged = tuple(dict.fromkeys([*recorded, *coders]))
    if merged == recorded:
        return
    sources[consensus] = merged
    import tomli_w  # only adjudication writes the file: reading it never loads the writer

    text = _HEADER + tomli_w.dumps({name: {"coders": list(names)} for name, names in sources.items()})
    atomic_write_text(consensus_file(study), text, study.path)  # never more readable than the study file


def consensus_coders(study: Study, coders_present: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The coders among `coders_present` that are a consensus, with the coders each settles.

    `consensus` is one even without a record; then it is taken to settle every other coder present.
    """
    return consensus_among(read_consensus_sources(study), coders_present)


def consensus_among(
    recorded: Mapping[str, tuple[str, ...]], coders_present: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """`consensus_coders` from the sources a consensus file records (read from disk, or from a commit)."""
    found = {name: sources for name, sources in recorded.items() if name in coders_present}
    if CONSENSUS_CODER in coders_present and CONSENSUS_CODER not in found:
        others = tuple(coder for coder in coders_present if coder != CONSENSUS_CODER and coder not in recorded)
        found[CONSENSUS_CODER] = others
    return found


@dataclass(frozen=True)
class ConsensusCoverage:
    """How much of its coders' decided turns a consensus covers."""

    coder: str
    sources: tuple[str, ...]
    covered: int  # of the turns below, those the consensus has decided
    total: int  # turns both sources (two or more, when more) decided, flagged turns left out
    one_sided: int = 0  # turns only one of the sources decided: no consensus is possible there

    @property
    def complete(self) -> bool:
        return self.covered >= self.total

    def phrase(self) -> str:
        return f"{self.covered} of {self.total} turns {_who(self.sources)} reviewed"

    def describe(self) -> str:
        return f"{self.coder}: {self.phrase()}"

    def as_json(self) -> dict[str, object]:
        return {
            "coder": self.coder,
            "settles": list(self.sources),
            "turns": self.covered,
            "of": self.total,
            "complete": self.complete,
        }


def _who(sources: Sequence[str]) -> str:
    if len(sources) == 2:
        return f"both {sources[0]} and {sources[1]}"
    if not sources:
        return "two or more other coders"
    return f"two or more of {', '.join(sources)}"


def consensus_coverage(transcripts: Sequence[Path], consensus: str, sources: Sequence[str]) -> ConsensusCoverage:
    units = collect_units(transcripts, [*sources, consensus]).units
    total = covered = one_sided = 0
    for unit in units.values():
        deciding = sum(1 for coder in sources if coder in unit)
        if deciding >= 2:
            total += 1
            covered += consensus in unit
        elif deciding == 1:
            one_sided += 1
    return ConsensusCoverage(consensus, tuple(sources), covered, total, one_sided)


@dataclass(frozen=True)
class Seeded:
    """What starting an adjudication found: agreed turns added to the consensus, and turns only one coder decided."""

    added: int
    agreed: int  # every turn both decided alike, added now or before
    one_sided: int  # turns only one of the two decided (the other did not review it, or flagged it)


def seed_consensus(transcripts: Sequence[Path], first: str, second: str, consensus: str) -> Seeded:
    """Write every turn `first` and `second` both decided with the same codes into the consensus.

    Turns the consensus already decided are kept as they are (settled
    earlier), and so is a turn of its file carrying a merge conflict (the
    coder settles that); a memo or flag the consensus coder left on a turn
    stays. Turns the transcript does not have (`check` reports them) are never
    copied. The caller holds the consensus coder's locks.
    """
    added = agreed = one_sided = 0
    for path in transcripts:
        files = annotation_files(path)
        if first not in files and second not in files:
            continue
        units = collect_units([path], [first, second]).units
        one_sided += sum(1 for unit in units.values() if len(unit) == 1)
        turns = len(load_transcript(path).turns)
        same = {
            key.turn
            for key, unit in units.items()
            if len(unit) == 2 and unit[first] == unit[second] and key.turn <= turns
        }
        agreed += len(same)
        if not same:
            continue
        target = annotation_path(path, consensus)
        AnnotationFile.open(target, journaled=True).close()  # fold in a crashed session's journal first
        store = AnnotationFile.open(target)
        source = AnnotationFile.open(files[first])
        seconds = AnnotationFile.open(files[second]).records
        additions = []
        for turn in sorted(same):
            existing = store.get(turn)
            if existing is not None and (existing.reviewed or existing.conflict is not None):
                continue
            decided = source.records[turn]
            # A code counts as accepted from a suggestion only where both coders took it from one (as a git merge
            # of the two would keep it), whichever coder is named first.
            both = set(decided.suggested) & set(seconds[turn].suggested) if turn in seconds else set()
            base = existing or decided._replace(memo="", flag=False)
            additions.append(
                base._replace(
                    codes=decided.codes,
                    anchor=decided.anchor,
                    reviewed=True,
                    conflict=None,
                    suggested=tuple(code for code in decided.codes if code in both),
                )
            )
        if additions:
            store.put_many(additions)
            added += len(additions)
    return Seeded(added, agreed, one_sided)
