"""`purer-tui similar`: the turns across the study most like one turn, with the codes a coder gave each."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import main

if TYPE_CHECKING:
    from purer_tui.services.similar_turns import SimilarTurn, SimilarTurns

#: Characters of each turn shown.
EXCERPT = 100


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("turn", type=click.IntRange(min=1))
@click.option(
    "--coder", help="Whose codes to show (default: $PURER_CODER, else coder in your settings file, else your login)."
)
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many turns to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the turn asked about and the turns like it.")
@click.option(
    "--study",
    "study",
    type=click.Path(path_type=Path),
    help="The study (default: the one around FILE).",
)
def similar(file: Path, turn: int, coder: str | None, top: int, as_json: bool, study: Path | None) -> None:
    """The turns across the study most like turn TURN of transcript FILE, with your codes on each.

    Similarity is lexical (BM25 over the turns' words, stop words left out),
    computed on this machine: check your own consistency on turns that say
    the same thing. Each turn's words are kept in the study's git-ignored
    cache (.purer/cache/), so only transcripts changed since are read again.

    \b
    Example:
      purer-tui similar transcripts/grp1-s01.txt 12
      purer-tui similar transcripts/grp1-s01.txt 12 --coder ben --top 5 --json
    """
    from purer_tui.core.study import load_study
    from purer_tui.core.user_settings import load_user_settings, resolve_coder
    from purer_tui.services.similar_turns import find_similar_turns

    chosen = resolve_coder(load_user_settings(), coder).value
    loaded = load_study(study if study is not None else file.absolute().parent)
    result = find_similar_turns(loaded, file, turn, chosen, top)
    if as_json:
        _print_json(result)
    else:
        _print_readable(result)


def _decision(turn: SimilarTurn) -> str:
    if turn.codes is None:
        text = "not reviewed"
    else:
        text = ", ".join(turn.codes) or "no code"
    return text + (" (flagged)" if turn.flagged else "")


def _print_readable(result: SimilarTurns) -> None:
    from purer_tui.core.safe_text import excerpt, one_line

    asked = result.asked
    click.echo(one_line(f"Turns like turn {asked.turn} of {asked.name} ({asked.speaker or 'unknown speaker'}):"))
    click.echo(f"  {excerpt(asked.text, EXCERPT)}")
    click.echo(one_line(f"  {result.coder}: {_decision(asked)}"))
    if not result.found:
        click.echo("No other turn shares a word with it (common words such as 'the' and 'yes' are left out).")
        return
    click.echo("")
    for rank, found in enumerate(result.found, start=1):
        click.echo(
            one_line(  # a file name from the study may hold a line break: it must not start a line of its own
                f"{rank:>2}. {found.name} turn {found.turn} · {found.speaker or 'unknown speaker'} · "
                f"score {found.score:.2f}"
            )
        )
        click.echo(f"    {excerpt(found.text, EXCERPT)}")
        click.echo(one_line(f"    {result.coder}: {_decision(found)}"))


def _print_json(result: SimilarTurns) -> None:
    import json

    from purer_tui.core.safe_text import json_safe

    def turn(found: SimilarTurn, score: bool) -> dict[str, object]:
        data: dict[str, object] = {
            "transcript": found.name,
            "turn": found.turn,
            "speaker": found.speaker,
            "text": found.text,
            "reviewed": found.codes is not None,
            "codes": list(found.codes or ()),
            "flagged": found.flagged,
        }
        if score:
            data["score"] = round(found.score, 4)
        return data

    payload = {
        "coder": result.coder,
        "turn": turn(result.asked, score=False),
        "similar": [turn(found, score=True) for found in result.found],
    }
    click.echo(json_safe(json.dumps(payload, ensure_ascii=False, indent=1)))
