"""Fixtures for driving the coding app with Textual's Pilot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from purer_tui.services.coding_setup import PreparedSession, prepare_session
from purer_tui.tui.app import CodingApp

MakeApp = Callable[..., tuple[CodingApp, PreparedSession]]


@pytest.fixture
def make_app(demo_study: Path) -> Iterator[MakeApp]:
    """Build a coding app on the demo study (or another folder); locks are released afterwards."""
    prepared: list[PreparedSession] = []

    def build(coder: str = "cal", folder: Path | None = None, only: list[str] | None = None, show_coders: bool = False):
        session = prepare_session([folder or demo_study], coder, None, only or [], show_coders)
        prepared.append(session)
        return CodingApp.from_prepared(session), session

    yield build
    for session in prepared:
        session.session.close()
        session.locks.release()


def records(prepared: PreparedSession, index: int | None = None) -> dict[int, tuple[str, ...]]:
    """What is on disk for the session's coder, by turn (read fresh, journal included)."""
    from purer_tui.core.annotation_paths import annotation_path
    from purer_tui.core.annotations import AnnotationFile

    session = prepared.session
    path = session.paths[session.index if index is None else index]
    return {
        turn: record.codes for turn, record in AnnotationFile.open(annotation_path(path, session.coder)).records.items()
    }
