"""Preparing a coding session for `purer-tui code`: which transcripts, which codebook, which coder, and the locks.

Everything that can fail with a message (no study, a bad codebook, a
read-only folder, another process coding the same files) fails here, before
the terminal switches to the app, so the message is one plain line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from purer_tui.core.annotations import annotation_path, default_coder, validate_coder
from purer_tui.core.codebook import load_codebook
from purer_tui.core.errors import PurerError, UsageError
from purer_tui.core.lock import CoderLocks
from purer_tui.core.session import CodingSession
from purer_tui.core.study import resolve_transcripts


@dataclass
class PreparedSession:
    session: CodingSession
    locks: CoderLocks
    keymap: Mapping[str, str]


def prepare_session(
    paths: list[Path],
    coder: str | None,
    codebook_path: Path | None,
    only: list[str],
    show_coders: bool,
) -> PreparedSession:
    coder = validate_coder(coder) if coder else default_coder()
    study, transcripts = resolve_transcripts(paths or [Path(".")], needs_study=codebook_path is None)
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
        session = CodingSession(transcripts, codebook, coder, only=only or None, show_coders=show_coders)
        session.resume()
    except BaseException:
        locks.release()
        raise
    return PreparedSession(session, locks, keymap)
