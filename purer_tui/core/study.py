"""Studies: a folder with a `purer.toml` study file, its codebook and its transcripts.

Commands find the study by walking up from the current folder, as git finds
`.git`. Paths in the study file are relative to it, so a study moves and is
cloned as one folder.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The standard library's own parser of regular expressions (sre_parse before Python 3.11, which we do not support).
from re import _parser as regex_parser  # type: ignore[attr-defined]
from typing import Any

from purer_tui.core.annotation_paths import ANNOTATION_SUFFIX
from purer_tui.core.codebook import Codebook, load_codebook
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError, Problem, UsageError, display_path
from purer_tui.core.keys import APP_KEYS
from purer_tui.core.table_models import as_dict, checked, table_field
from purer_tui.core.toml_files import TomlDocument, read_toml, validate_table

STUDY_FILE = "purer.toml"
#: A role's name in `[roles]` (as the codebook's groups name it too).
ROLE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
DEFAULT_TRANSCRIPT_PATTERNS = ["transcripts/*.txt", "transcripts/*.vtt", "transcripts/*.srt"]


#: Wide repeats (`+`, `*`, `{0,250}`: more than `WIDE_REPEAT` times) a metadata pattern may have: each
#: multiplies the work of a failed match by the length of the name.
MAX_OPEN_REPEATS = 3
WIDE_REPEAT = 16
#: Repeats of any width a pattern may have (`a?` counts): real patterns have a few.
MAX_REPEATS = 12
#: Characters of a file name a metadata pattern is searched in (names are short; this bounds the work).
METADATA_NAME_CHARACTERS = 128


def slow_to_match(pattern: str) -> bool:
    """Whether a pattern can backtrack exponentially (a repeat inside a repeat, an alternative repeated) or
    polynomially far (many open-ended repeats). The pattern comes from a shared file and meets file names
    anyone can commit, and Python's regular expressions cannot be stopped once started."""
    parser: Any = regex_parser
    open_ended = 0
    repeats = 0
    repeat_ops = tuple(
        getattr(parser, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(parser, name)
    )

    def walk(items: Any, repeated: bool) -> bool:
        nonlocal open_ended, repeats
        for op, value in items:
            if op in repeat_ops:
                low, high, body = value
                repeats += 1  # `a?` forty times backtracks as far as one wide repeat inside another
                if high == parser.MAXREPEAT or high > WIDE_REPEAT:
                    open_ended += 1
                if high > 1 and repeated:
                    return True
                if walk(body, repeated or high > 1):
                    return True
            elif op is parser.BRANCH:
                if repeated or any(walk(alternative, repeated) for alternative in value[1]):
                    return True
            elif op is parser.SUBPATTERN:
                if walk(value[-1], repeated):
                    return True
            elif op is getattr(parser, "ATOMIC_GROUP", None):  # atomic outside, but it backtracks inside
                if walk(value, repeated):
                    return True
            elif op in (parser.ASSERT, parser.ASSERT_NOT):
                if walk(value[1], repeated):
                    return True
        return False

    return walk(parser.parse(pattern), False) or open_ended > MAX_OPEN_REPEATS or repeats > MAX_REPEATS


def _inside_study(path: str) -> str:
    """Paths in a study file stay inside the study: relative, never climbing out with `..`."""
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", path) or ".." in parts:
        raise ValueError(f'"{path}" reaches outside the study folder; keep the files inside it and use a relative path')
    return path


def _patterns_inside(patterns: list[str]) -> list[str]:
    return [_inside_study(pattern) for pattern in patterns]


def _metadata_pattern_usable(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            compiled = re.compile(pattern)
            slow = slow_to_match(pattern)
        except re.error as error:
            raise ValueError(f"is not a valid regular expression ({error}); fix it") from None
        except (RecursionError, OverflowError):  # groups nested thousands deep, a repeat count past any size
            raise ValueError("is too deeply nested or repeats too many times to use; simplify it") from None
        if not compiled.groupindex:
            raise ValueError("has no named groups; write them like (?P<session>\\d+)")
        if slow:
            raise ValueError(
                "repeats inside repeats, like (a+)+ or (a|aa)+, "
                f"or more than {MAX_OPEN_REPEATS} wide repeats (+, *, {{0,{WIDE_REPEAT + 1}}}), "
                "can take hours on a crafted file name; simplify it"
            )
    return pattern


# The table model (core/table_models.py) of the study file's `[study]`.
@dataclass(frozen=True, kw_only=True)
class StudySettings:
    name: str = table_field(min_length=1)
    codebook: str = table_field(min_length=1, check=_inside_study)
    transcripts: list[str] = table_field(
        default_factory=lambda: list(DEFAULT_TRANSCRIPT_PATTERNS), check=_patterns_inside
    )
    # A regular expression with named groups, matched against each transcript's file name without
    # its ending: `grp(?P<group>\d+)-s(?P<session>\d+)` gives grp1-s03 group "1" and session "3".
    metadata_pattern: str | None = table_field(default=None, check=_metadata_pattern_usable)
    # Suggested codes in the coding app (a model of each coder's own settled turns): true turns them on for every
    # coder, false off for everyone (a coder's own setting cannot turn them on); unset leaves it to each coder's
    # settings, which count only when adjudicating (services/suggestions.py suggestions_enabled).
    suggest: bool | None = None


@dataclass(frozen=True)
class Study:
    """A study as its file describes it."""

    path: Path  # the study file
    settings: StudySettings
    keymap: Mapping[str, str]
    metadata: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # transcript stem -> fields
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role -> speaker names or globs

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def codebook_path(self) -> Path:
        return self.root / self.settings.codebook

    def load_codebook(self) -> Codebook:
        self.check_codebook_inside()
        return load_codebook(self.codebook_path, self.keymap)

    def check_codebook_inside(self) -> None:
        """The codebook path is relative and never climbs out; a link on the way must not lead out either."""
        if self.leads_outside(self.codebook_path):
            raise InvalidFileError(
                [
                    Problem(
                        self.path,
                        None,
                        f"study.codebook: {self.settings.codebook} leads outside the study (through a link); "
                        "keep the codebook in the study",
                    )
                ]
            )

    def transcript_paths(self) -> list[Path]:
        """The study's transcripts in natural order (session 2 before session 10)."""
        found: dict[str, Path] = {}
        for pattern in self.settings.transcripts:
            for path in self.matches(pattern):
                found.setdefault(os.path.normpath(path), path)
        return sorted(found.values(), key=natural_key)

    def transcript_named(self, transcript: Path) -> Path:
        """The study's transcript at this path (as the study names it), or a `UsageError` saying why there is none."""
        wanted = os.path.normpath(transcript.absolute())
        paths = {os.path.normpath(path.absolute()): path for path in self.transcript_paths()}
        if not os.path.lexists(wanted):
            raise UsageError(f"{display_path(transcript)}: no such file; name a transcript of the study")
        if wanted not in paths:
            raise UsageError(
                f"{display_path(transcript)} is not a transcript of the study {self.name} "
                f"({', '.join(self.settings.transcripts)} in {display_path(self.root)}); name one of its transcripts"
            )
        return paths[wanted]

    def matches(self, pattern: str) -> list[Path]:
        """Transcript files a pattern names: never annotation, hidden or temporary files, nor links out of the study."""
        return [path for path in self._candidates(pattern) if not self.leads_outside(path)]

    def links_outside(self, pattern: str) -> list[Path]:
        """Files a pattern names that are links to somewhere outside the study (left out)."""
        return [path for path in self._candidates(pattern) if self.leads_outside(path)]

    def folders_matching(self, pattern: str) -> list[Path]:
        """Folders a transcript pattern names (left out: only files are transcripts)."""
        return [
            Path(name)
            for name in glob.glob(os.path.join(glob.escape(str(self.root)), pattern))
            if Path(name).is_dir() and not Path(name).name.startswith(".")
        ]

    def leads_outside(self, path: Path) -> bool:
        try:
            return not path.resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError):  # a link loop
            return True

    def _candidates(self, pattern: str) -> list[Path]:
        paths = []
        # The study's own path is escaped: a folder named like "[draft] study" is not a pattern.
        for name in glob.glob(os.path.join(glob.escape(str(self.root)), pattern), recursive=True):
            path = Path(name)
            if path.name.startswith(".") or path.suffix in NOT_TRANSCRIPTS:
                continue
            if path.is_file() or path.is_symlink():
                paths.append(path)
        return paths


#: Endings a transcript pattern never matches: purer-tui's own files beside the transcripts.
NOT_TRANSCRIPTS = (ANNOTATION_SUFFIX, ".lock", ".tmp", ".toml")


def transcripts_among(root: Path, patterns: Sequence[str], files: Iterable[str]) -> list[Path]:
    """Which of these files (paths relative to the study folder, with /) the patterns name, as `root / path` in
    natural order: what `Study.transcript_paths` finds on disk, matched against a list (a commit's files).

    Matching is glob's: `*`, `?` and `[...]` within one folder, `**` across folders; a wildcard never matches
    a hidden name; annotation, lock, temporary and TOML files are never transcripts.
    """
    compiled = [[_segment_matcher(part) for part in pattern.split("/")] for pattern in patterns]
    found = []
    for name in files:
        parts = name.split("/")
        if parts[-1].startswith(".") or parts[-1].endswith(NOT_TRANSCRIPTS):
            continue
        if any(_glob_match(pattern, parts) for pattern in compiled):
            found.append(root / name)
    return sorted(found, key=natural_key)


_Segment = Callable[[str], bool] | None  # None: `**`


def _segment_matcher(part: str) -> _Segment:
    if part == "**":
        return None
    if not glob.has_magic(part):
        return lambda name: name == part
    compiled = re.compile(fnmatch.translate(part))
    hidden_ok = part.startswith(".")
    return lambda name: (hidden_ok or not name.startswith(".")) and compiled.match(name) is not None


def _glob_match(pattern: Sequence[_Segment], parts: Sequence[str]) -> bool:
    """Whether a path's parts match a pattern's segments; each (segment, part) pair is decided once, so a
    pattern of many `**` (it comes from a shared file) costs segments x parts, never more."""
    # matched[j]: parts[j:] matches the segments after the current one (filled from the last segment back).
    matched = [False] * len(parts) + [True]
    for segment in reversed(pattern):
        current = [False] * (len(parts) + 1)
        if segment is None:  # `**`: no folder, or any number of folders that are not hidden
            for j in range(len(parts), -1, -1):
                current[j] = matched[j] or (j < len(parts) and not parts[j].startswith(".") and current[j + 1])
        else:
            for j in range(len(parts)):
                current[j] = matched[j + 1] and segment(parts[j])
        matched = current
    return matched[0]


def natural_key(path: Path | str) -> list[object]:
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", str(path))]


def find_study_file(start: Path) -> Path:
    """The study file for `start`: the file itself, or the nearest `purer.toml` at or above the folder."""
    start = start.absolute()
    if start.is_file():
        return start
    if not start.exists():
        raise UsageError(f"{start}: no such file or folder")
    for folder in (start, *start.parents):
        candidate = folder / STUDY_FILE
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no {STUDY_FILE} in {start} or any folder above it; "
        "run `purer-tui init` to start a study there, or name the study folder"
    )


def load_study(start: Path) -> Study:
    """Find, read and validate a study file; raises `InvalidFileError` with every problem."""
    path = find_study_file(start)
    document = read_toml(path, "study file", follow_links=False)
    problems: list[Problem] = []
    study = build_study(document, problems)
    if study is None:
        raise InvalidFileError(problems)
    return study


def build_study(document: TomlDocument, problems: list[Problem]) -> Study | None:
    data = document.data
    for key in data:
        if key not in ("study", "keys", "metadata", "roles"):
            problems.append(
                document.problem(
                    key, "is not a study file table; the tables are [study], [keys], [metadata] and [roles]"
                )
            )
    if "study" not in data:
        problems.append(document.problem("study", "is missing; add [study] with name, codebook and transcripts"))
        return None
    settings = validate_table(document, "study", StudySettings, data["study"], problems)
    keymap = data.get("keys", {})
    if not isinstance(keymap, dict) or not all(isinstance(value, str) for value in keymap.values()):
        problems.append(document.problem("keys", 'must map binding ids to keys, like "turn.next" = "j,down"'))
        keymap = {}
    known_ids = {app_key.id for app_key in APP_KEYS}
    for binding_id in keymap:
        if binding_id not in known_ids:
            problems.append(
                document.problem(
                    f"keys.{binding_id}", f"no such key binding; the ids are {', '.join(sorted(known_ids))}"
                )
            )
    metadata = _metadata(document, data.get("metadata", {}), problems)
    roles = _roles(document, data.get("roles", {}), problems)
    if settings is None or any(problem.is_error for problem in problems):
        return None
    return Study(path=document.path, settings=settings, keymap=keymap, metadata=metadata, roles=roles)


def _metadata(document: TomlDocument, tables: object, problems: list[Problem]) -> dict[str, dict[str, str]]:
    """`[metadata."grp1-s03"]` tables: fields of one transcript, by its name without the ending."""
    if not isinstance(tables, dict):
        problems.append(document.problem("metadata", 'must hold tables like [metadata."grp1-s03"] with session = 3'))
        return {}
    metadata = {}
    for stem, fields in tables.items():
        if not isinstance(fields, dict) or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in fields.values()
        ):
            problems.append(
                document.problem(
                    f"metadata.{stem}",
                    'fields must be strings or whole numbers, like session = 3 or date = "2024-03-01"',
                )
            )
            continue
        metadata[stem] = {name: str(value) for name, value in fields.items()}
    return metadata


def _roles(document: TomlDocument, table: object, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """`[roles]`: each role's speakers, by name or glob (`participant = ["Participant *"]`)."""
    if not isinstance(table, dict):
        problems.append(document.problem("roles", 'must map roles to speakers, like staff = ["Therapist"]'))
        return {}
    roles = {}
    for role, speakers in table.items():
        if not ROLE_PATTERN.fullmatch(role):
            problems.append(document.problem(f"roles.{role}", "role names are lowercase letters, digits, - and _"))
        elif not isinstance(speakers, list) or not all(isinstance(s, str) and s for s in speakers):
            problems.append(
                document.problem(f"roles.{role}", 'must be a list of speaker names or globs, like ["Participant *"]')
            )
        else:
            roles[role] = tuple(speakers)
    return roles


def study_settings(name: str, codebook: str, transcripts: list[str]) -> StudySettings:
    """A new study's settings, checked: a bad value is a `UsageError` saying which, never a crash."""
    settings, errors = checked(StudySettings, {"name": name, "codebook": codebook, "transcripts": transcripts})
    if errors:
        field = ".".join(str(part) for part in errors[0].location)
        raise UsageError(f"{field}: {errors[0].message}")
    return settings  # type: ignore[no-any-return]


def write_study_file(folder: Path, settings: StudySettings, roles: Sequence[str] = ()) -> Path:
    """Create a new study file in `folder`, with the optional settings commented out to fill in; refuses to replace one.

    `roles` are the roles the codebook's groups are for, so the commented `[roles]` names them.
    """
    path = folder / STUDY_FILE
    if path.exists():
        raise UsageError(f"{path} already exists; edit it, or start the study in another folder")
    folder.mkdir(parents=True, exist_ok=True)
    import tomli_w  # only a new study writes one: reading commands never load the writer

    text = tomli_w.dumps({"study": as_dict(settings, exclude_none=True)}) + _optional_settings(roles)
    atomic_write_text(path, text)
    return path


#: Example speakers for the commented `[roles]` of a new study file.
_EXAMPLE_SPEAKERS = {"staff": '["Therapist"]', "participant": '["Participant *"]'}
_OTHER_SPEAKERS = '["Speaker name", "Speaker *"]'


def _optional_settings(roles: Sequence[str]) -> str:
    """The settings a new study usually needs next, commented out, with what each is for (docs/formats.md)."""
    role_lines = [f"# {role} = {_EXAMPLE_SPEAKERS.get(role, _OTHER_SPEAKERS)}" for role in roles] or [
        '# staff = ["Therapist"]',
        '# participant = ["Participant *"]',
    ]
    return "\n".join(
        [
            "# What each transcript's file name says, as named groups: session orders the progress view,",
            "# group makes a participant one person across that group's sessions. Uncomment and adapt:",
            "# metadata_pattern = 'grp(?P<group>\\d+)-s(?P<session>\\d+)'",
            "",
            "# Who speaks in which role, by exact name or glob. The codebook's groups name the roles",
            '# they are for; the progression view follows the "participant" role. Uncomment and adapt:',
            "# [roles]",
            *role_lines,
            "",
        ]
    )


def resolve_transcripts(paths: list[Path], needs_study: bool) -> tuple[Study | None, list[Path]]:
    """Study folders contribute all their transcripts; transcript files count as given.

    The study is the first one found (for its codebook and keymap); a file
    outside any study is refused when a study is needed.
    """
    study: Study | None = None
    chosen: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            found = load_study(path)
            study = study or found
            chosen.update(dict.fromkeys(found.transcript_paths()))
        elif path.exists():
            chosen[path.absolute()] = None
            if study is None:
                try:
                    study = load_study(find_study_file(path.absolute().parent))
                except UsageError:
                    if needs_study:
                        raise UsageError(
                            f"{path}: no purer.toml above it; pass --codebook FILE to code it without a study"
                        ) from None
        else:
            raise UsageError(f"{path}: no such file or folder")
    return study, list(chosen)
