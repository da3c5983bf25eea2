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

#: Above this many turns the table is printed as plain lines: a table lays out every row first.
TABLE_TURNS = 2_000


def print_turns(transcript: Transcript, console: Console | None = None) -> None:
    if len(transcript.turns) > TABLE_TURNS and console is None:
        print_turn_lines(transcript)
        return
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


def print_turn_lines(transcript: Transcript) -> None:
    """One plain line per turn, written as it goes: time and memory grow with the transcript, no more."""
    import sys

    speakers = ", ".join(transcript.speakers[:50]) + (" ..." if len(transcript.speakers) > 50 else "")
    out = sys.stdout
    out.write(visible_controls(f"{display_path(transcript.path)}: {transcript.format} format, {len(transcript.turns)} turns; speakers: {speakers or 'none named'}") + "\n")
    for turn in transcript.turns:
        text = " ".join(turn.text[:200].split())
        out.write(f"{turn.number:>7}  {format_clock(turn.start):>8}  {visible_controls(turn.speaker) or '-'}: {visible_controls(text)}  {turn.anchor}\n")
