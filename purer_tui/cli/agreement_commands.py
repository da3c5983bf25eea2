"""`purer-tui agree` and `purer-tui disagreements`: reliability figures and the turns behind them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import bootstrap_options, emit, main
from purer_tui.core.errors import UsageError
from purer_tui.core.safe_text import excerpt, one_line

if TYPE_CHECKING:
    from purer_tui.services.agreement_history import AgreementHistory


def _coders(option: str | None) -> list[str] | None:
    from purer_tui.core.study_coders import parse_coder_list

    return parse_coder_list(option) if option else None


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--coders", help="Comma-separated coder ids (default: every coder but `consensus`).")
@click.option("--transcripts", "pattern", help="Only transcripts whose name or path matches this glob, e.g. 'grp1-*'.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row per code, exclusive group and overall figure).")
@click.option(
    "--at",
    "revision",
    metavar="REV",
    help="The study as committed at REV (a commit, tag or branch), read from git; uncommitted changes are not in it.",
)
@click.option(
    "--history",
    is_flag=True,
    help="One row per commit that changed the annotation files, codebook or study file (oldest first).",
)
@click.option("--tags", "by_tags", is_flag=True, help="--history: one row per tagged commit (a round), by its tags.")
@click.option("--since", metavar="DATE", help="--history: only commits made on or after DATE (YYYY-MM-DD).")
@click.option(
    "--code",
    "code_id",
    metavar="ID",
    help="--history: this code's alpha and kappa, followed across renames (an exclusive group's alpha).",
)
@click.option(
    "--svg", "svg", metavar="FILE", type=click.Path(path_type=Path), help="--history: also draw the rows as a chart."
)
@click.option(
    "--without-suggested",
    is_flag=True,
    help="As if no suggestion had been accepted: codes recorded as applied from a suggestion are taken off.",
)
@click.option("--ci", is_flag=True, help="A 95% bootstrap interval for every alpha (turns resampled).")
@bootstrap_options("--ci: ")
def agree(
    study: Path,
    coders: str | None,
    pattern: str | None,
    as_json: bool,
    as_csv: bool,
    revision: str | None,
    history: bool,
    by_tags: bool,
    since: str | None,
    code_id: str | None,
    svg: Path | None,
    without_suggested: bool,
    ci: bool,
    replicates: int,
    seed: int,
) -> None:
    """Inter-coder agreement per code, per exclusive group and overall.

    Units are turns; a turn counts for a coder only when that coder reviewed
    it. Per code: percent agreement, Cohen's kappa (two coders) or Fleiss'
    kappa (more), Krippendorff's alpha, Gwet's AC1. Per exclusive group:
    alpha and agreement with "none" as a category, and a confusion table.
    Overall: means over codes and alpha with the MASI distance over each
    turn's whole set of codes. Every figure says how many turns it rests on.
    Codes a coder applied by accepting a suggestion are counted and said;
    --without-suggested computes everything as if they had not been applied.
    --ci adds a 95% bootstrap interval to every alpha: the turns coded by two
    or more coders are resampled --boot times; a --seed gives the same
    interval every time.

    From git (the study must be in a repository; only what is committed
    counts, uncommitted changes are not included): --at REV computes the
    same on the study as it was at a commit, --history one row per commit
    (or per tag with --tags) with the overall alpha (MASI) and mean kappa,
    or with --code one code's. Each row equals `agree --at` that commit.

    \b
    Example:
      purer-tui agree
      purer-tui agree --coders ana,ben --transcripts 'grp1-*' --csv > agreement.csv
      purer-tui agree --at round-1
      purer-tui agree --history --tags --svg rounds.svg
    """
    if revision is not None and history:
        raise UsageError("choose one of --at and --history")
    if without_suggested and history:
        raise UsageError("--without-suggested goes with agree or agree --at, not --history")
    if ci and history:
        raise UsageError("--ci goes with agree or agree --at, not --history")
    source = click.get_current_context().get_parameter_source
    if not ci and any(source(name) is not click.core.ParameterSource.DEFAULT for name in ("replicates", "seed")):
        raise UsageError("--boot and --seed go with --ci")
    bootstrap = (replicates, seed) if ci else None
    if not history:
        given = [name for name, value in _history_options(by_tags, since, code_id, svg) if value]
        if given:
            raise UsageError(f"{given[0]} goes with --history")
    if history:
        _history(study, coders, pattern, as_json, as_csv, by_tags, since, code_id, svg)
        return
    from purer_tui.agreement.report import as_csv as render_csv
    from purer_tui.agreement.report import as_json as render_json
    from purer_tui.agreement.report import print_report

    if revision is not None:
        from purer_tui.services.agreement_history import study_agreement_at

        result, commit = study_agreement_at(study, revision, _coders(coders), pattern, without_suggested, bootstrap)
        click.echo(f"At commit {commit.short} ({commit.day}): {excerpt(commit.subject, 60)}", err=True)
    else:
        from purer_tui.agreement.study_agreement import measure_study
        from purer_tui.core.study import load_study

        result = measure_study(load_study(study), _coders(coders), pattern, without_suggested, bootstrap)
    emit(
        as_json,
        as_csv,
        json=lambda: render_json(result),
        csv=lambda: render_csv(result),
        readable=lambda: print_report(result),
    )


def _history_options(
    by_tags: bool, since: str | None, code_id: str | None, svg: Path | None
) -> list[tuple[str, object]]:
    return [("--tags", by_tags), ("--since", since is not None), ("--code", code_id is not None), ("--svg", svg)]


def _history(
    study: Path,
    coders: str | None,
    pattern: str | None,
    as_json: bool,
    as_csv: bool,
    by_tags: bool,
    since: str | None,
    code_id: str | None,
    svg: Path | None,
) -> None:
    from datetime import date

    from purer_tui.core.durable import write_output
    from purer_tui.services.agreement_history import agreement_history, history_chart, history_csv, history_json

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    day = None
    if since is not None:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            raise UsageError(f'--since "{one_line(since)[:40]}" is not a date; give it as YYYY-MM-DD') from None
    found = agreement_history(study, since=day, code=code_id, by_tags=by_tags, coders=_coders(coders), pattern=pattern)
    if svg is not None:
        from purer_tui.core.study import load_study

        # The transcripts are protected from the chart as the study file is (a typed path can name one).
        kept = [found.study_file, *load_study(found.study_file.parent).transcript_paths()]
        write_output(svg, history_chart(found).encode("utf-8"), kept, found.study_file.parent)
        if str(svg) == "-":
            return
    emit(
        as_json,
        as_csv,
        json=lambda: history_json(found),
        csv=lambda: history_csv(found),
        readable=lambda: _print_history(found),
    )


#: The widest a history row's tag or subject is shown (cut with an ellipsis), and the narrowest before the
#: coders column folds to make room.
SUBJECT_WIDTH = (12, 40)


def _print_history(found: AgreementHistory) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = Console()
    rows = "tagged commit" if found.by_tags else "commit that changed what agreement reads"
    out.print(Text(f"Agreement per {rows}, oldest first{f' (code {found.code})' if found.code else ''}:"))
    if not found.rows:
        out.print(Text(found.empty_message))
        return
    # A row's note can be long (why a commit cannot be read): the row shows its number, the text follows
    # the table, so that each row stays on one line.
    notes = list(dict.fromkeys(row.note for row in found.rows if row.note))
    headers = [
        "commit",
        "date",
        "tag" if found.by_tags else "tag or subject",
        "coders",
        "turns shared",
        "α" if found.code else "α (MASI)",  # the code is named above the table
        "κ" if found.code else "mean κ",
        *(["note"] if notes else []),
    ]
    cells = [
        [
            row.commit.short,
            row.commit.day,
            row.label,
            ",".join(row.coders),
            str(row.turns_shared),
            "n/a" if row.alpha is None else f"{row.alpha:.3f}",
            "-" if row.kappa_note else "n/a" if row.kappa is None else f"{row.kappa:.3f}",
            *([str(notes.index(row.note) + 1) if row.note else ""] if notes else []),
        ]
        for row in found.rows
    ]
    # Each column as wide as its cells (a heading may wrap at its spaces), then the subject and the coders
    # share what is left: the subject is cut with an ellipsis, the coders fold only when they must.
    widths = [
        max([*(cell_len(row[index]) for row in cells), *(cell_len(word) for word in header.split())])
        for index, header in enumerate(headers)
    ]
    # No frame, a rule under the headings, two spaces between columns.
    room = out.width - (sum(widths) - widths[2] - widths[3]) - (2 * len(headers) - 2)
    low, high = SUBJECT_WIDTH
    widths[2] = max(1, min(widths[2], high, max(low, room - widths[3])))
    longest_name = max((cell_len(coder) for row in found.rows for coder in row.coders), default=0)
    fold = widths[3] > room - widths[2]  # the coders wrap between names, a name folds only when it is too long
    widths[3] = max(len("coders"), min(widths[3], max(longest_name + 1, room - widths[2])))
    table = Table(expand=False, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for index, header in enumerate(headers):
        table.add_column(header, width=widths[index], justify="right" if 4 <= index <= 6 else "left")
    for row, shown in zip(found.rows, cells, strict=True):
        texts = [Text(cell, no_wrap=True, overflow="ellipsis") for cell in shown]
        if fold:
            texts[3] = Text(", ".join(row.coders), overflow="fold")
        if notes:
            texts[-1].stylize("dim")
        table.add_row(*texts)
    out.print(table)
    for number, note in enumerate(notes, start=1):
        out.print(Text(f"note {number}: {note}", style="dim"))
    kappa_notes = sorted({row.kappa_note for row in found.rows if row.kappa_note})
    for note in kappa_notes:  # a dash is no figure: say why once
        out.print(Text(f"κ -: {note}.", style="dim"))
    if found.left_out:
        out.print(Text(f"{found.left_out} older row(s) left out; --since chooses which commits to show.", style="dim"))


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--coders", help="Comma-separated coder ids (default: every coder but `consensus`).")
@click.option("--code", "code_id", help="Only turns where coders differ on this code.")
@click.option("--transcripts", "pattern", help="Only transcripts whose name or path matches this glob.")
@click.option(
    "--one-sided",
    is_flag=True,
    help="List the turns only some of the coders reviewed instead (the others did not, or flagged them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def disagreements(
    study: Path, coders: str | None, code_id: str | None, pattern: str | None, one_sided: bool, as_json: bool
) -> None:
    """List each turn where coders differ: transcript, turn, speaker, excerpt, who applied what.

    A coder's flagged turns are not final and are left out, like turns they
    did not review; --one-sided lists those turns, which no comparison or
    consensus covers.

    \b
    Example:
      purer-tui disagreements --coders ana,ben
      purer-tui disagreements --code reframing
      purer-tui disagreements --coders ana,ben --one-sided
    """
    from purer_tui.agreement.disagreements import find_disagreements
    from purer_tui.agreement.study_agreement import select_transcripts
    from purer_tui.core.safe_text import json_safe, visible_controls
    from purer_tui.core.study import load_study
    from purer_tui.core.study_coders import agreement_coders

    loaded = load_study(study)
    codebook = loaded.load_codebook()
    if code_id is not None and not codebook.has_code(code_id):
        raise UsageError(f'no code "{code_id}" in the codebook')
    transcripts = select_transcripts(loaded, pattern)
    chosen = agreement_coders(loaded, transcripts, _coders(coders))
    if len(chosen) < 2:
        raise UsageError("disagreements need at least two coders; name them with --coders")
    if one_sided and code_id is not None:
        raise UsageError("--one-sided lists turns not every coder decided; it does not take --code")
    found = find_disagreements(transcripts, chosen, code_id, one_sided)
    if as_json:
        rows = [
            {
                "transcript": item.transcript.relative_to(loaded.root).as_posix(),
                "turn": item.number,
                "speaker": item.turn.speaker if item.turn else None,
                "text": item.turn.text if item.turn else None,
                "codes": {coder: codebook.in_codebook_order(set(codes)) for coder, codes in item.codes.items()},
            }
            for item in found
        ]
        click.echo(json_safe(json.dumps(rows, indent=1, ensure_ascii=False)))
        return
    for item in found:
        speaker = visible_controls(item.turn.speaker) if item.turn and item.turn.speaker else "?"
        text = excerpt(item.turn.text, 70) if item.turn else "(turn no longer in the transcript)"
        click.echo(f"{visible_controls(item.transcript.name)} turn {item.number} [{speaker}] {text}")
        for coder in chosen:
            if coder not in item.codes:
                click.echo(f"    {coder}: (not reviewed, or flagged)")
                continue
            labels = ", ".join(
                codebook.code(c).label if codebook.has_code(c) else c
                for c in codebook.in_codebook_order(set(item.codes[coder]))
            )
            click.echo(f"    {coder}: {visible_controls(labels) or '(no code)'}")
    if one_sided:
        click.echo(f"{len(found)} turn(s) only some of {', '.join(chosen)} reviewed.", err=True)
        return
    click.echo(f"{len(found)} turn(s) where {', '.join(chosen)} differ{f' on {code_id}' if code_id else ''}.", err=True)
    left = len(find_disagreements(transcripts, chosen, None, True)) if code_id is None else 0
    if left:
        click.echo(f"{left} turn(s) only some of them reviewed are not compared (--one-sided lists them).", err=True)
