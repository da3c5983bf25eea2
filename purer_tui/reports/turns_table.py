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

#: Above this many turns, or this many characters in all, the table is printed as plain lines:
#: a table lays out every row (and wraps every word) before it prints the first.
TABLE_TURNS = 2_000
TABLE_CHARACTERS = 1_000_000
#: Characters of one turn shown in the table; `--json` gives every turn whole.
CELL_CHARACTERS = 4_000
#: Characters of each turn in the plain lines of a long transcript.
LINE_CHARACTERS = 200


def print_turns(transcript: Transcript, console: Console | None = None) -> None:
    large = len(transcript.turns) > TABLE_TURNS or sum(len(turn.text) for turn in transcript.turns) > TABLE_CHARACTERS
    if large and console is None:
        print_turn_lines(transcript)
        return
    console = console or Console()
    speakers = ", ".join(transcript.speakers) or "none named"
    console.print(
        Text(
            visible_controls(
                f"{display_path(transcript.path)}: {transcript.format} format, "
                f"{len(transcript.turns)} turns; speakers: {speakers}"
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
            Text(visible_controls(_cut(turn.text))),
            turn.anchor,
        )
    console.print(table)


def print_turn_lines(transcript: Transcript) -> None:
    """One plain line per turn, written as it goes: time and memory grow with the transcript, no more."""
    import sys

    speakers = ", ".join(transcript.speakers[:50]) + (" ..." if len(transcript.speakers) > 50 else "")
    out = sys.stdout
    out.write(
        visible_controls(
            f"{display_path(transcript.path)}: {transcript.format} format, "
            f"{len(transcript.turns)} turns; speakers: {speakers or 'none named'}"
        )
        + "\n"
    )
    for turn in transcript.turns:
        text = " ".join(turn.text[:LINE_CHARACTERS].split()) + ("…" if len(turn.text) > LINE_CHARACTERS else "")
        out.write(
            f"{turn.number:>7}  {format_clock(turn.start):>8}  {visible_controls(turn.speaker) or '-'}: "
            f"{visible_controls(text)}  {turn.anchor}\n"
        )
    out.write(f"(each turn's first {LINE_CHARACTERS} characters; --json gives every turn whole)\n")


def _cut(text: str) -> str:
    if len(text) <= CELL_CHARACTERS:
        return text
    return f"{text[:CELL_CHARACTERS]} … [{len(text) - CELL_CHARACTERS:,} more characters: --json shows the turn whole]"
