"""`git diff` for people: an annotation file as one readable line per reviewed turn.

    grp1-s01 turn 12 [Therapist] phenomenology, reframing | memo: ask about sleep | "So what did you..."

The speaker and a short excerpt appear when the transcript can be found and
the turn's anchor still matches it. Whatever the input, this prints something
and exits 0: a failing textconv would break `git diff` and `git log -p`.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from purer_tui.core.annotation_parsing import parse_record
from purer_tui.core.annotation_paths import ANNOTATION_SUFFIX
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.check import describe_conflict
from purer_tui.core.errors import PurerError
from purer_tui.core.safe_text import excerpt, visible_controls
from purer_tui.core.study_files import TRANSCRIPT_SUFFIXES
from purer_tui.core.transcript import Transcript, load_transcript

EXCERPT_CHARACTERS = 60
# For old versions git hands textconv a temporary copy named `XXXXXX_<name>` in the temporary folder.
_GIT_TEMPORARY_PREFIX = re.compile(r"^[A-Za-z0-9]{6}_")


def textconv(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as error:
        return f"(cannot read {path.name}: {error.strerror})\n"
    name = path.name
    if path.parent.resolve() in _temporary_folders():
        name = _GIT_TEMPORARY_PREFIX.sub("", name)
    stem = name.removesuffix(ANNOTATION_SUFFIX).rsplit(".", 1)[0]
    transcript = _find_transcript(path.parent, stem)
    stem = visible_controls(stem)  # from here on it is shown: a file name can hold escape sequences
    described = []
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        record, problem = parse_record(raw.rstrip("\r"))
        if record is None:
            described.append((0, f"{stem} (unreadable line: {problem}) {visible_controls(raw)[:120]}"))
        else:
            described.append((record.turn, describe(stem, record, transcript)))
    return "".join(line + "\n" for _, line in sorted(described))


def _temporary_folders() -> set[Path]:
    """Where git may put its temporary copies. Named, never probed: `tempfile.gettempdir()` writes a test file."""
    names = [os.environ.get(variable) for variable in ("TMPDIR", "TEMP", "TMP")] + ["/tmp", "/var/tmp"]
    return {Path(name).resolve() for name in names if name}


def describe(stem: str, record: AnnotationRecord, transcript: Transcript | None) -> str:
    """One turn's record as a line of text."""
    parts = [f"{stem} turn {record.turn}"]
    turn = transcript.turn(record.turn) if transcript and record.turn <= len(transcript.turns) else None
    matches = turn is not None and (record.anchor is None or record.anchor == turn.anchor)
    if turn is not None and matches and turn.speaker:
        parts.append(f"[{visible_controls(turn.speaker)}]")
    if record.reviewed:
        parts.append(", ".join(record.codes) if record.codes else "(no code)")
    else:
        parts.append("(not reviewed)")
    if record.flag:
        parts.append("FLAGGED")
    line = " ".join(parts)
    if record.memo:
        line += f" | memo: {visible_controls(' '.join(record.memo.split()))}"
    if record.conflict:
        line += f" | CONFLICT {describe_conflict(record.conflict)}"
    if turn is not None and matches:
        line += f' | "{excerpt(turn.text, EXCERPT_CHARACTERS)}"'
    elif turn is not None:
        line += " | (the transcript changed since this was coded)"
    return line


def _find_transcript(folder: Path, stem: str) -> Transcript | None:
    """The transcript beside the file or, for git's temporary copies, the only one of that name
    under the current folder."""
    candidates = [
        folder / f"{stem}{suffix}" for suffix in TRANSCRIPT_SUFFIXES if (folder / f"{stem}{suffix}").is_file()
    ]
    if not candidates:
        # The name is a file name from the repository: escaped, so it is a name and never a pattern.
        candidates = [
            path for suffix in TRANSCRIPT_SUFFIXES for path in Path.cwd().rglob(glob.escape(f"{stem}{suffix}"))
        ]
    if len(candidates) != 1:
        return None
    try:
        return load_transcript(candidates[0])
    except PurerError:
        return None
