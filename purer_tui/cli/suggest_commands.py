"""`purer-tui suggest`: the codes a model of a coder's own settled turns would suggest, and how good it is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import main
from purer_tui.core.errors import UsageError

if TYPE_CHECKING:
    from purer_tui.services.suggestions import CodeFigures, Evaluation, SuggestedTurns

#: The evaluation table's width: a terminal's.
WIDTH = 80
#: Characters of each turn shown.
EXCERPT = 70


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.argument("turn", required=False, type=click.IntRange(min=1))
@click.option("--evaluate", is_flag=True, help="Hold out part of the coder's turns and measure the model there.")
@click.option(
    "--coder",
    help="Whose settled turns to learn from (default: $PURER_CODER, else coder in your settings file, else your "
    "login); --coder consensus learns from the adjudicated turns.",
)
@click.option(
    "--seed", default=0, show_default=True, type=click.IntRange(min=0), help="With --evaluate: which random split."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--study", type=click.Path(path_type=Path), help="The study (default: the one around FILE, or here).")
def suggest(
    file: Path | None,
    turn: int | None,
    evaluate: bool,
    coder: str | None,
    seed: int,
    as_json: bool,
    study: Path | None,
) -> None:
    """The codes the model would suggest for turn TURN of FILE (every turn without TURN), or with --evaluate how
    often its suggestions match the coder's own codes.

    The model (naive Bayes over each turn's words, per code) learns from the
    coder's settled turns across the study: reviewed, not flagged, not in a
    merge conflict. It runs on this machine; nothing is sent anywhere. This
    command works whatever the `suggest` setting says: the setting only
    decides whether the coding app shows suggestions.

    --evaluate trains on part of the turns and compares with the coder on
    the rest: whole transcripts are held out when at least 5 are coded, else
    single turns. Per code: training and held-out turns carrying it,
    precision (suggested and right), recall (the coder's codes suggested) and
    Cohen's kappa of model and coder; "-" where a figure is undefined.

    \b
    Example:
      purer-tui suggest transcripts/grp1-s02.txt 7 --coder ana
      purer-tui suggest --evaluate --coder ana --seed 3
    """
    from purer_tui.core.study import load_study
    from purer_tui.core.user_settings import load_user_settings, resolve_coder

    if evaluate and file is not None:
        raise UsageError("--evaluate measures the model over the whole study: leave out FILE and TURN")
    if not evaluate and file is None:
        raise UsageError("name a transcript (FILE, and a TURN for one turn), or use --evaluate")
    chosen = resolve_coder(load_user_settings(), coder).value
    loaded = load_study(study if study is not None else (file.absolute().parent if file is not None else Path(".")))
    if evaluate:
        from purer_tui.services.suggestions import evaluate as run_evaluation

        result = run_evaluation(loaded, chosen, seed)
        if as_json:
            _evaluation_json(result)
        else:
            _evaluation_table(result)
        return
    from purer_tui.services.suggestions import suggest_for_transcript

    assert file is not None
    suggested = suggest_for_transcript(loaded, file, chosen, turn)
    if as_json:
        _suggestions_json(suggested)
    else:
        _suggestions_readable(suggested, one_turn=turn is not None)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _evaluation_table(result: Evaluation) -> None:
    import textwrap

    from purer_tui.core.safe_text import excerpt, one_line
    from purer_tui.core.suggestion_model import MIN_POSITIVES

    click.echo(one_line(f"Suggestions learned from {result.coder}'s settled turns (seed {result.seed}):"))
    click.echo(textwrap.fill(f"{result.split}.", WIDTH, initial_indent="  ", subsequent_indent="  "))
    numbers = ("train n", "test n", "precision", "recall", "kappa")
    widths = [max(len(heading), 5) for heading in numbers]
    code_width = WIDTH - sum(width + 2 for width in widths)
    header = "code".ljust(code_width) + "".join(f"  {heading:>{w}}" for heading, w in zip(numbers, widths, strict=True))
    click.echo("")
    click.echo(header)

    def row(label: str, figures: CodeFigures) -> str:
        values = (
            str(figures.train),
            str(figures.test),
            _figure(figures.precision),
            _figure(figures.recall),
            _figure(figures.kappa),
        )
        return label.ljust(code_width) + "".join(f"  {value:>{w}}" for value, w in zip(values, widths, strict=True))

    for figures in result.codes:
        label = figures.code if figures.learned else f"{figures.code} (too few)"
        click.echo(row(excerpt(label, code_width), figures))
    click.echo(row("all codes (micro)", result.micro))
    if any(not figures.learned for figures in result.codes):
        click.echo("")
        click.echo(
            textwrap.fill(
                f"(too few): on fewer than {MIN_POSITIVES} training turns, so never suggested; its figures count "
                "what the coder would miss.",
                WIDTH,
            )
        )


def _evaluation_json(result: Evaluation) -> None:
    import json

    from purer_tui.core.safe_text import json_safe

    def figures(code: CodeFigures) -> dict[str, object]:
        return {
            "code": code.code,
            "train": code.train,
            "test": code.test,
            "learned": code.learned,
            "precision": code.precision,
            "recall": code.recall,
            "kappa": code.kappa,
            "true_positive": code.true_positive,
            "false_positive": code.false_positive,
            "false_negative": code.false_negative,
            "true_negative": code.true_negative,
        }

    payload = {
        "coder": result.coder,
        "seed": result.seed,
        "split": "transcripts" if result.by_transcript else "turns",
        "train_turns": result.train_turns,
        "test_turns": result.test_turns,
        "train_transcripts": result.train_transcripts,
        "test_transcripts": result.test_transcripts,
        "codes": [figures(code) for code in result.codes],
        "micro": figures(result.micro),
    }
    click.echo(json_safe(json.dumps(payload, ensure_ascii=False, indent=1)))


def _suggested(found: SuggestedTurns, codes: tuple[str, ...] | None) -> str:
    if codes is None:
        return "not reviewed"
    return ", ".join(codes) or "no code"


def _suggestions_readable(found: SuggestedTurns, one_turn: bool) -> None:
    from purer_tui.core.errors import display_path
    from purer_tui.core.safe_text import one_line

    click.echo(
        one_line(
            f"Codes suggested for {display_path(found.transcript)}, learned from {found.trained_on} settled turns "
            f"of {found.coder}'s ({len(found.learned)} codes learned):"
        )
    )
    shown = [turn for turn in found.turns if turn.suggestions or one_turn]
    for turn in shown:
        suggestions = ", ".join(f"{item.code} {item.probability:.2f}" for item in turn.suggestions)
        click.echo(
            one_line(
                f"  turn {turn.turn} · {turn.speaker or 'unknown speaker'}: {suggestions or 'no code suggested'}"
                f" ({found.coder}: {_suggested(found, turn.codes)})"
            )
        )
    if not one_turn:
        click.echo(f"{len(shown)} of {found.total_turns} turns have a suggestion.")


def _suggestions_json(found: SuggestedTurns) -> None:
    import json

    from purer_tui.core.safe_text import json_safe

    payload = {
        "coder": found.coder,
        "trained_on": found.trained_on,
        "learned": found.learned,
        "turns": [
            {
                "turn": turn.turn,
                "speaker": turn.speaker,
                "role": turn.role,
                "suggested": [
                    {"code": item.code, "probability": round(item.probability, 4)} for item in turn.suggestions
                ],
                "reviewed": turn.codes is not None,
                "codes": list(turn.codes or ()),
            }
            for turn in found.turns
        ],
    }
    click.echo(json_safe(json.dumps(payload, ensure_ascii=False, indent=1)))
