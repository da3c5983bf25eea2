"""`purer-tui quotes`: every turn coded so, with its context, ready for a results section.

A turn coded by several of the chosen coders is quoted once, naming them.
Markdown gives block quotes with citations like `(grp2-s04, turn 17, Participant 2)`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from purer_tui.core.dataset import Dataset
from purer_tui.core.plain_table import plain_width, text_lines
from purer_tui.core.safe_text import json_safe, markdown_literal, visible_controls
from purer_tui.core.transcript import Turn
from purer_tui.reports.tables import ReportTable


@dataclass
class Quote:
    transcript: str
    turn: Turn
    codes: list[str]  # the asked-for codes this turn carries
    coders: list[str]
    before: list[Turn]
    after: list[Turn]

    def citation(self) -> str:
        return f"({self.transcript}, turn {self.turn.number}, {self.turn.speaker or 'unknown speaker'})"


def find_quotes(data: Dataset, codes: list[str], context: int, every: bool = False) -> list[Quote]:
    """Turns carrying any of `codes` (all of them with `every`), in transcript order."""
    wanted = set(codes)
    found: dict[tuple[str, int], Quote] = {}
    order = {info.path: index for index, info in enumerate(data.transcripts)}
    coder_order = {coder: index for index, coder in reversed(list(enumerate(data.coders)))}  # the first place
    # Only the turns carrying a wanted code are sorted (a sort is stable: the same order as sorting them all).
    carrying = [coded for coded in data.coded if not wanted.isdisjoint(coded.codes)]
    for coded in sorted(carrying, key=lambda c: (order[c.info.path], c.turn.number, coder_order[c.coder])):
        present = wanted & set(coded.codes)
        if every and present != wanted:
            continue
        key = (coded.info.name, coded.turn.number)
        if key not in found:
            turns = data.parsed[coded.info.path].turns
            index = coded.turn.number - 1
            found[key] = Quote(
                coded.info.name,
                coded.turn,
                [],
                [],
                list(turns[max(0, index - context) : index]),
                list(turns[index + 1 : index + 1 + context]),
            )
        quote = found[key]
        quote.codes = [c.id for c in data.codebook.codes if c.id in present or c.id in quote.codes]
        quote.coders.append(coded.coder)
    return list(found.values())


def _words(text: str) -> str:
    return visible_controls(" ".join(text.split()))


def quotes_markdown(quotes: list[Quote], data: Dataset) -> str:
    parts = []
    for quote in quotes:
        labels = ", ".join(data.codebook.code(c).label for c in quote.codes)
        lines = [f"**{markdown_literal(labels)}** (coded by {', '.join(quote.coders)})", ""]
        lines += [f"*{markdown_literal(t.speaker or '?')}:* {markdown_literal(_words(t.text))}  " for t in quote.before]
        if quote.before:
            lines.append("")
        lines += [f"> {markdown_literal(_words(quote.turn.text))}", ">", f"> {markdown_literal(quote.citation())}"]
        if quote.after:
            lines.append("")
            lines += [
                f"*{markdown_literal(t.speaker or '?')}:* {markdown_literal(_words(t.text))}  " for t in quote.after
            ]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts) + "\n" if parts else ""


def quotes_json(quotes: list[Quote], coders: Mapping[str, object]) -> str:
    """`{"coders": ..., "quotes": [...]}`: which coders were searched, then each quote."""

    def turn(t: Turn) -> dict[str, object]:
        return {"turn": t.number, "speaker": t.speaker, "text": t.text}

    data = {
        "coders": coders,
        "quotes": [
            {
                "transcript": q.transcript,
                **turn(q.turn),
                "codes": q.codes,
                "coders": q.coders,
                "before": [turn(t) for t in q.before],
                "after": [turn(t) for t in q.after],
            }
            for q in quotes
        ],
    }
    return json_safe(json.dumps(data, indent=1, ensure_ascii=False))


def quotes_table(quotes: list[Quote]) -> ReportTable:
    table = ReportTable("Quotes", ["transcript", "turn", "speaker", "codes", "coders", "text"])
    for q in quotes:
        table.rows.append(
            [q.transcript, q.turn.number, q.turn.speaker, " ".join(q.codes), " ".join(q.coders), q.turn.text]
        )
    return table


def print_quotes(quotes: list[Quote], data: Dataset) -> None:
    """Readable quotes: written as plain lines when the output is not a terminal and every line can be
    wrapped exactly as rich wraps it (see core.plain_table), else with rich (imported only then)."""
    lines = _quote_lines(quotes, data)
    shown = _plain_lines(lines)
    if shown is None:
        _rich_lines(lines)
    else:
        sys.stdout.write(shown)
        sys.stdout.flush()


#: One printed line: its pieces of text with their styles (no pieces: an empty line).
_Line = list[tuple[str, str]]


def _quote_lines(quotes: list[Quote], data: Dataset) -> list[_Line]:
    lines: list[_Line] = []
    for quote in quotes:
        labels = ", ".join(data.codebook.code(c).label for c in quote.codes)
        lines.append(
            [
                (visible_controls(quote.citation()), "bold"),
                ("  ", ""),
                (visible_controls(labels), "cyan"),
                (f"  [{', '.join(quote.coders)}]", "dim"),
            ]
        )
        lines += [[(f"    {_words(t.speaker or '?')}: {_words(t.text)}", "dim")] for t in quote.before]
        lines.append([(f"  “{_words(quote.turn.text)}”", "")])
        lines += [[(f"    {_words(t.speaker or '?')}: {_words(t.text)}", "dim")] for t in quote.after]
        lines.append([])
    lines.append([(f"{len(quotes)} quote(s).", "dim")])
    return lines


def _plain_lines(lines: list[_Line]) -> str | None:
    width = plain_width()
    if width is None:
        return None
    out = []
    for line in lines:
        shown = text_lines("".join(text for text, _ in line), width) if line else "\n"
        if shown is None:
            return None
        out.append(shown)
    return "".join(out)


def _rich_lines(lines: list[_Line], console: object | None = None) -> None:
    from rich.console import Console
    from rich.text import Text

    out = console if isinstance(console, Console) else Console()
    for line in lines:
        if not line:
            out.print()
        elif len(line) == 1:
            out.print(Text(line[0][0], style=line[0][1]))
        else:
            out.print(Text.assemble(*line))
