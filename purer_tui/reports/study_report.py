"""`purer-tui report --html`: the study in one page for people who read results in a browser or on paper.

Sections: the study at a glance, the progression of participants, the therapist's moves and what follows
them, code frequencies by role and session, agreement with intervals, quotes (only when asked for), and
the codebook as a manual. The page carries counts, codes and figures: no turn's text unless quotes were
asked for, and then a banner at the top says so. It is one file with nothing to fetch (html_page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from purer_tui.core.codebook import Codebook
from purer_tui.core.dataset import Dataset
from purer_tui.reports.codebook_manual import shown_groups
from purer_tui.reports.html_page import Cell, figure, page, swatch, table, text
from purer_tui.reports.progress import ProgressGrid, moves_html, progression_html
from purer_tui.reports.quotes import Quote
from purer_tui.reports.sequences import NO_CODE, sequence_counts
from purer_tui.reports.stats import frequency_tables
from purer_tui.reports.tables import ReportTable, StyledCell


@dataclass(frozen=True)
class AgreementRow:
    """One figure of the agreement section: a code, an exclusive group, or the overall alpha (MASI)."""

    label: str
    alpha: float | None
    interval: tuple[float, float] | None
    units: int
    kappa: float | None = None
    percent: float | None = None


@dataclass
class AgreementSection:
    coders: list[str]
    units_shared: int
    kappa_kind: str
    replicates: int
    seed: int
    codes: list[AgreementRow]
    groups: list[AgreementRow]
    overall: AgreementRow | None
    notes: list[str] = field(default_factory=list)


@dataclass
class StudyReport:
    data: Dataset  # the coding the figures use (the report's coders)
    everyone: Dataset  # every coder's coding, for coverage
    made_with: str  # "purer-tui 1.2.3 on 2026-12-01"
    grid: ProgressGrid | None  # None: the codebook has no exclusive group to show as stages
    agreement: AgreementSection | None
    agreement_missing: str = ""  # why there is no agreement section (fewer than two coders)
    quotes: list[Quote] | None = None  # None: not asked for
    quote_codes: list[str] = field(default_factory=list)
    examples: bool = False  # the codebook's examples in the manual (often quotes: only when asked for)


#: The most codes the agreement chart draws (the table lists every code): more bars than this are not read.
MAX_BARS = 40

SECTIONS = [
    ("glance", "The study at a glance"),
    ("progression", "Progression"),
    ("moves", "The therapist's moves"),
    ("frequencies", "Code frequencies"),
    ("agreement", "Agreement between coders"),
    ("quotes", "Quotes"),
    ("codebook", "The codebook"),
]


def report_html(report: StudyReport) -> str:
    data = report.data
    title = f"{data.study.name}: study report"
    sections = {
        "glance": _glance(report),
        "progression": _progression(report),
        "moves": _moves(report),
        "frequencies": _frequencies(data),
        "agreement": _agreement(report),
        "quotes": _quotes(report) if report.quotes is not None else "",
        "codebook": _manual(data.codebook, report.examples),
    }
    shown = [(anchor, heading) for anchor, heading in SECTIONS if sections[anchor]]
    body = [
        f"<h1>{text(title)}</h1>",
        f"<p class='lead'>Made with {text(report.made_with)}. {text(data.choice.summary.capitalize())}.</p>",
        "<nav aria-label='Contents'><ol>"
        + "".join(f"<li><a href='#{anchor}'>{text(heading)}</a></li>" for anchor, heading in shown)
        + "</ol></nav>",
    ]
    for anchor, heading in shown:
        body.append(f"<section id='{anchor}'>\n<h2>{text(heading)}</h2>\n{sections[anchor]}\n</section>")
    banner = transcript_text_warning(report)
    return page(title, "\n".join(body), banner)


def transcript_text_warning(report: StudyReport) -> str:
    """The banner of a report that holds transcript text (quotes, or the codebook's examples), else ""."""
    held = []
    if report.quotes is not None:
        held.append("quotes of the turns coded " + text(", ".join(report.quote_codes)))
    if report.examples and any(code.examples for code in report.data.codebook.codes):
        held.append("the codebook's examples, which are often quotes")
    if not held:
        return ""
    return (
        "This report contains transcript text: "
        + " and ".join(held)
        + ". Treat it as you treat the transcripts; do not share it where they may not go."
    )


def _glance(report: StudyReport) -> str:
    data, everyone = report.data, report.everyone
    # A session is one meeting of one group: group 1's session 1 and group 2's are two sessions.
    sessions = {(info.group, info.session) for info in data.transcripts if info.session is not None}
    groups = {info.group for info in data.transcripts if info.group is not None}
    turns = sum(len(data.parsed[info.path].turns) for info in data.transcripts)
    grid = report.grid
    staged = (
        sum(1 for case in grid.cases if any(grid.cells.get((case, column)) for column in grid.columns))
        if grid is not None
        else None
    )
    figures: list[list[object]] = [
        ["transcripts", len(data.transcripts)],
        ["turns", turns],
        ["sessions", len(sessions) if sessions else "not named in the file names"],
        ["therapy groups", len(groups) if groups else "not named in the file names"],
        ["participants", len(grid.cases) if grid is not None else "no stage group"],
        ["... with a stage coded", staged if staged is not None else "no stage group"],
        ["coders", len(everyone.coders)],
    ]
    coverage: list[list[object]] = []
    for coder in everyone.coders:
        reviewed = sum(len(everyone.index.get((info.path, coder), {})) for info in everyone.transcripts)
        files = sum(1 for info in everyone.transcripts if (info.path, coder) in everyone.index)
        flagged = sum(everyone.flagged.get((info.path, coder), 0) for info in everyone.transcripts)
        share = f"{reviewed / turns:.0%}" if turns else "–"
        coverage.append([coder, files, reviewed, share, flagged, "yes" if coder in data.coders else ""])
    notes = ""
    consensus = data.choice.consensus
    if consensus is not None:
        state = "complete" if consensus.complete else "not complete"
        notes = (
            f"<p class='note'>The consensus ({text(consensus.coder)}, {state}) covers {text(consensus.phrase())}.</p>"
        )
    return (
        table(["", ""], figures)
        + "\n<h3>Coverage per coder</h3>\n"
        + table(["coder", "transcripts", "turns reviewed", "of all turns", "flagged", "in the figures"], coverage)
        + "\n<p class='note'>A flagged turn is not final: agreement and the consensus leave it out until the flag "
        "is cleared. The figures below use the coding of "
        + text(", ".join(data.coders) or "no coder")
        + ".</p>"
        + notes
    )


def _progression(report: StudyReport) -> str:
    if report.grid is None:
        return "<p class='note'>The codebook has no exclusive group of codes to show as stages.</p>"
    return progression_html(report.data, report.grid, with_moves=False)


def _moves(report: StudyReport) -> str:
    grid = report.grid
    if grid is None or grid.moves is None:
        return ""
    data = report.data
    parts = [moves_html(data, grid)]
    parts.append("<h3>What participants' turns show after each move</h3>")
    parts.append(_sequence_heat_map(data, grid))
    return "\n".join(parts)


def _sequence_heat_map(data: Dataset, grid: ProgressGrid) -> str:
    """Rows: the moves; columns: the codes on the next turn by another speaker; cells shaded by share."""
    assert grid.moves is not None
    codebook = data.codebook
    followed, pairs = sequence_counts(data)
    moves = [code for code in codebook.codes_in(grid.moves.id)]
    move_ids = {code.id for code in moves}
    following = {then for (first, then) in pairs if first in move_ids}
    columns = [code.id for code in codebook.codes if code.id in following and code.id not in move_ids]
    if NO_CODE in following:
        columns.append(NO_CODE)
    if not columns:
        return "<p class='note'>No move is followed by a reviewed turn of another speaker yet.</p>"
    rows: list[list[object]] = []
    for move in moves:
        row: list[object] = [move.label, followed[move.id]]
        for then in columns:
            count = pairs.get((move.id, then), 0)
            share = count / followed[move.id] if followed[move.id] else 0.0
            tint = f"background:rgba(0,114,178,{0.08 + 0.8 * share:.2f});" if count else ""
            ink = "color:#fff;" if share > 0.55 else ""
            shown = f"{share:.0%}<br><small>{count}</small>" if count else ""
            row.append(Cell(shown, "cell", tint + ink))
        rows.append(row)
    headers = ["move", "followed", *[codebook.code(c).label if c != NO_CODE else NO_CODE for c in columns]]
    return table(headers, rows) + (
        "\n<p class='note'>Each cell: the share of the times the move was followed by a reviewed turn of another "
        "speaker (the next turn by someone else, coded by the same coder) that carried the column's code, and "
        "below it how many times. A reply can carry several codes, so a row can add up to more than 100%.</p>"
    )


def _frequencies(data: Dataset) -> str:
    tables = {table.title: table for table in frequency_tables(data)}
    parts = []
    for dimension in ("speaker role", "session"):
        found = tables.get(f"Code frequencies by {dimension}")
        if found is not None:
            parts.append(f"<h3>By {text(dimension)}</h3>")
            parts.append(_from_report_table(found))
    parts.append(
        "<p class='note'>A frequency counts coded turns: a code two coders applied to the same turn counts "
        "twice, once per coder.</p>"
    )
    return "\n".join(parts)


def _from_report_table(report_table: ReportTable) -> str:
    rows = [[cell.value if isinstance(cell, StyledCell) else cell for cell in row] for row in report_table.rows]
    return table(report_table.columns, rows)


def _agreement(report: StudyReport) -> str:
    section = report.agreement
    if section is None:
        return f"<p class='note'>{text(report.agreement_missing)}</p>"
    from purer_tui.reports.charts import Series, interval_bars

    rows = section.codes
    charted = [row for row in rows if row.alpha is not None][:MAX_BARS]
    cut = sum(1 for row in rows if row.alpha is not None) - len(charted)
    chart = interval_bars(
        "agreement",
        "Krippendorff's alpha per code, with its 95% interval",
        [row.label for row in charted],
        Series("alpha", [row.alpha for row in charted], "#56B4E9", [row.interval for row in charted]),
    )
    parts = [
        f"<p>Coders compared: {text(', '.join(section.coders))}. Units are turns; {section.units_shared} turns "
        "were reviewed by two or more of them.</p>",
        figure(
            chart,
            "Bars: alpha; whiskers: the 95% bootstrap interval (a bar with none has no interval: n/a in the "
            "table). Codes with no alpha (n/a in the table: nobody "
            "applied them, or every coder applied them everywhere, on the shared turns) are left out"
            + (f"; so are the {cut} codes after the first {MAX_BARS}, which the table lists" if cut else "")
            + ". Krippendorff's guide: 0.800 and above reliable, 0.667 to 0.800 for tentative conclusions only.",
        ),
        table(
            ["code", "α", "95% interval", f"{section.kappa_kind} κ", "agreement", "turns"],
            [_agreement_cells(row) for row in rows],
        ),
    ]
    if section.groups:
        parts.append("<h3>Exclusive groups (one code per turn, “none” a category)</h3>")
        parts.append(
            table(
                ["group", "α", "95% interval", "agreement", "turns"],
                [_agreement_cells(row, kappa=False) for row in section.groups],
            )
        )
    if section.overall is not None:
        overall = section.overall
        parts.append(
            f"<p><strong>Overall</strong> (alpha over each turn's whole set of codes, MASI distance): "
            f"{_figure(overall.alpha)} {_interval(overall.interval)}, {overall.units} turns.</p>"
        )
    if section.replicates:
        parts.append(
            f"<p class='note'>Intervals: percentile bootstrap, {section.replicates} resamples of the turns reviewed by "
            f"two or more coders (seed {section.seed}); “n/a” where too few resamples have an alpha. [1.000, 1.000] "
            "means every resample agreed completely: for a code on few turns that says how seldom it was used, "
            "not that its reliability is certain. The same figures: "
            f"purer-tui agree --ci --boot {section.replicates} --seed {section.seed}.</p>"
        )
    parts += [f"<p class='note'>{text(note)}</p>" for note in section.notes]
    return "\n".join(parts)


def _agreement_cells(row: AgreementRow, kappa: bool = True) -> list[object]:
    cells: list[object] = [row.label, Cell(_figure(row.alpha), "number"), Cell(_interval(row.interval), "number")]
    if kappa:
        cells.append(Cell(_figure(row.kappa), "number"))
    cells += [Cell("n/a" if row.percent is None else f"{row.percent:.0%}", "number"), row.units]
    return cells


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _interval(interval: tuple[float, float] | None) -> str:
    return "n/a" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _quotes(report: StudyReport) -> str:
    quotes = report.quotes or []
    codebook = report.data.codebook
    if not quotes:
        return f"<p class='note'>No turn carries {text(', '.join(report.quote_codes))}.</p>"
    parts = ["<p class='note'><strong>Transcript text below:</strong> each turn in full, as transcribed.</p>"]
    for quote in quotes:
        labels = ", ".join(codebook.code(code).label for code in quote.codes)
        parts.append(
            f"<blockquote><p>{text(' '.join(quote.turn.text.split()))}</p>"
            f"<cite>{text(quote.citation())}; {text(labels)}; coded by {text(', '.join(quote.coders))}</cite>"
            "</blockquote>"
        )
    return "\n".join(parts)


def _manual(codebook: Codebook, examples: bool) -> str:
    from purer_tui.core.codebook_outline import SEPARATOR, heading_trail

    info = codebook.info
    parts = [f"<p><strong>{text(info.name)}</strong>, version {text(info.version)}.</p>"]
    if info.description:
        parts.append(f"<p>{text(' '.join(info.description.split()))}</p>")
    for group in shown_groups(codebook):
        codes = codebook.codes_in(group.id)
        parts.append(f"<h3>{text(SEPARATOR.join(heading_trail(codebook, group.id)))}</h3>")
        said = " ".join(group.description.split())
        if codes and group.exclusive:
            said += " One code of this group per turn at most."
        if group.roles:
            said += f" Applies to {', '.join(group.roles)} turns."
        if said.strip():
            parts.append(f"<p>{text(said.strip())}</p>")
        entries = []
        for code in codes:
            key = f"<span class='key'>{text(code.key)}</span> " if code.key else ""
            entries.append(
                f"<dt>{swatch(code.color)}{key}{text(code.label)} <span class='note'>({text(code.id)})</span></dt>"
            )
            entries.append(f"<dd>{text(' '.join(code.definition.split()))}")
            for name, value in (("Include", code.include), ("Exclude", code.exclude)):
                if value:
                    entries.append(f"<br><em>{name}:</em> {text(' '.join(value.split()))}")
            if examples and code.examples:
                shown = "".join(f"<li>“{text(' '.join(example.split()))}”</li>" for example in code.examples)
                entries.append(f"<br><em>Examples:</em><ul>{shown}</ul>")
            entries.append("</dd>")
        if entries:
            parts.append("<dl class='manual'>" + "".join(entries) + "</dl>")
    if not examples and any(code.examples for code in codebook.codes):
        parts.append(
            "<p class='note'>The codebook's examples are left out: they are often quotes from the transcripts "
            "(purer-tui report --with-examples adds them).</p>"
        )
    return "\n".join(parts)


def codes_named(names: Sequence[str]) -> list[str]:
    """Code ids from `--with-quotes` values (each may list several, comma-separated), in the order given."""
    found: list[str] = []
    for name in names:
        for code_id in (part.strip() for part in name.split(",")):
            if code_id and code_id not in found:
                found.append(code_id)
    return found
