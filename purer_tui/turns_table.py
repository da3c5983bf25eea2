"""The readable table of `purer-tui turns`, printed with rich.

Speaker names and turn text are data: they go into rich `Text` objects (never
markup) after control characters are made visible.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from purer_tui.core.errors import display_path
from purer_tui.core.safe_text import visible_controls
from purer_tui.core.transcript import Transcript, format_clock


def print_turns(transcript: Transcript, console: Console | None = None) -> None:
    console = console or Console()
    speakers = ", ".join(transcript.speakers) or "none named"
    console.print(
        Text(
            visible_controls(
                f"{display_path(transcript.path)}: {transcript.format} format, {len(transcript.turns)} turns; speakers: {speakers}"
            )
        )
    )
    table = Table(show_lines=False, expand=True, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("start", no_wrap=True)
    table.add_column("speaker", max_width=20)
    table.add_column("text", ratio=1)
    table.add_column("anchor", no_wrap=True, style="dim")
    for turn in transcript.turns:
        table.add_row(
            str(turn.number),
            format_clock(turn.start),
            Text(visible_controls(turn.speaker) or "-"),
            Text(visible_controls(turn.text)),
            turn.anchor,
        )
    console.print(table)
