"""Preparing a coding session for `purer-tui code`: which transcripts, which codebook, which coder, and the locks.

Everything that can fail with a message (no study, a bad codebook, a
read-only folder, another process coding the same files) fails here, before
the terminal switches to the app, so the message is one plain line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from purer_tui.core.annotations import annotation_path
from purer_tui.core.case_metadata import speaker_role
from purer_tui.core.codebook import load_codebook
from purer_tui.core.coders import default_coder, validate_coder
from purer_tui.core.errors import PurerError, UsageError
from purer_tui.core.lock import CoderLocks
from purer_tui.core.session import CodingSession
from purer_tui.core.study import resolve_transcripts


@dataclass
class PreparedSession:
    session: CodingSession
    locks: CoderLocks
    keymap: Mapping[str, str]
    adjudicating: tuple[str, str] | None = None
    role_of: Callable[[str], str | None] | None = None  # a speaker's role, when the study declares roles


def prepare_session(
    paths: list[Path],
    coder: str | None,
    codebook_path: Path | None,
    only: list[str],
    show_coders: bool,
    adjudicate: tuple[str, str] | None = None,
) -> PreparedSession:
    """Everything `purer-tui code` needs; with `adjudicate`, `coder` is the consensus coder and only
    the turns the two coders both reviewed and coded differently are visited."""
    coder = validate_coder(coder) if coder else default_coder()
    study, transcripts = resolve_transcripts(paths or [Path(".")], needs_study=codebook_path is None)
    turn_filter = None
    if adjudicate is not None:
        first, second = (validate_coder(name) for name in adjudicate)
        if len({first, second, coder}) != 3:
            raise UsageError(f"adjudicate two different coders, and write the consensus as a third (--as); got {first}, {second} as {coder}")
        from purer_tui.agreement.disagreements import disagreeing_turns

        def turn_filter(path: Path) -> set[int]:
            return set(disagreeing_turns(path, first, second))

        transcripts = [path for path in transcripts if turn_filter(path)]
        if not transcripts:
            raise UsageError(f"{first} and {second} agree on every turn they both reviewed: nothing to adjudicate")
        show_coders = [first, second]  # type: ignore[assignment]
    keymap = study.keymap if study else {}
    codebook = load_codebook(codebook_path, keymap) if codebook_path else study.load_codebook()  # type: ignore[union-attr]
    if not transcripts:
        where = study.path if study else paths[0]
        raise UsageError(f"{where}: no transcripts to code; check the study's transcripts patterns")
    for folder in sorted({path.parent for path in transcripts}):
        if not os.access(folder, os.W_OK):
            raise PurerError("the folder is read-only; coding saves annotations beside the transcripts, so it needs write access", folder)
    locks = CoderLocks()
    try:
        for path in transcripts:
            locks.acquire(annotation_path(path, coder))
        session = CodingSession(transcripts, codebook, coder, only=only or None, show_coders=show_coders, turn_filter=turn_filter)
        session.resume()
    except BaseException:
        locks.release()
        raise
    role_of = (lambda speaker: speaker_role(study, speaker)) if study is not None and study.roles else None
    return PreparedSession(session, locks, keymap, adjudicate, role_of)
