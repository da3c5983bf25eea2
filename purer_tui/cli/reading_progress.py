"""A progress bar on standard error while a large study is read for a report or an export."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TypeVar

#: Above this many files a progress bar is shown while reading (on a terminal).
PROGRESS_BAR_FILES = 300

Item = TypeVar("Item")


def reading_progress(items: list[Item], files: int) -> Iterable[Item]:
    if files <= PROGRESS_BAR_FILES or not sys.stderr.isatty():
        return items
    from rich.console import Console
    from rich.progress import track

    return track(items, description="Reading the study", console=Console(stderr=True), transient=True)
