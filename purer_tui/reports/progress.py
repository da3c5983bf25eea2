"""`purer-tui progress`: the stage-progression view.

One row per participant (case), one column per session; each cell holds the
stage codes observed for that participant in that session, coloured as the
codebook colours them, with the furthest stage (last in codebook order) in
bold. A last row counts the staff's moves per session. Saved as SVG or HTML
for a paper or a supervisor with the study report's charts: each therapy group's
participants across sessions, the staff's moves per session, and (HTML) the grid
in the codebook's colours.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from purer_tui.core.codebook import Code, CodeGroup
from purer_tui.core.dataset import Dataset
from purer_tui.core.errors import UsageError
from purer_tui.core.safe_text import json_safe
from purer_tui.core.study import natural_key
from purer_tui.reports.tables import ReportTable, StyledCell


@dataclass
class ProgressGrid:
    stages: CodeGroup
    moves: CodeGroup | None
    columns: list[str]  # "session 1", ... (or transcript names when sessions are unknown)
    cases: list[str]
    cells: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (case, column) -> stage code ids
    move_counts: dict[str, Counter[str]] = field(default_factory=dict)  # column -> move code -> count
    case_groups: dict[str, str | None] = field(default_factory=dict)  # case -> its therapy group (None: unknown)
    # therapy group -> column -> move code -> count: each group's sessions apart (a study of several groups)
    group_moves: dict[str | None, dict[str, Counter[str]]] = field(default_factory=dict)
    # therapy group -> the columns it has a transcript in (its sessions; a column it lacks is not "no stage")
    group_columns: dict[str | None, list[str]] = field(default_factory=dict)


def pick_groups(data: Dataset, stages: str | None, moves: str | None) -> tuple[CodeGroup, CodeGroup | None]:
    """The stage group (default: the first exclusive group for participants) and the moves group (for staff)."""
    groups = [g for g in data.codebook.groups if data.codebook.codes_in(g.id)]
    by_id = {g.id: g for g in groups}
    for name in (stages, moves):
        if name is not None and name not in by_id:
            raise UsageError(f'no code group "{name}" in the codebook (groups: {", ".join(by_id)})')
    stage_group = (
        by_id[stages]
        if stages
        else next(
            (g for g in groups if g.exclusive and "participant" in g.roles),
            next((g for g in groups if g.exclusive), None),
        )
    )
    if stage_group is None:
        raise UsageError("the codebook has no exclusive group to show as stages; name one with --stages GROUP")
    move_group = (
        by_id[moves]
        if moves
        else next((g for g in groups if g is not stage_group and g.roles and "participant" not in g.roles), None)
    )
    return stage_group, move_group


def build_grid(data: Dataset, stages: str | None = None, moves: str | None = None) -> ProgressGrid:
    stage_group, move_group = pick_groups(data, stages, moves)
    stage_ids = {c.id for c in data.codebook.codes_in(stage_group.id)}
    move_ids = {c.id for c in data.codebook.codes_in(move_group.id)} if move_group else set()
    sessions_known = all(info.session is not None for info in data.transcripts)
    column_of = {info.path: (f"session {info.session}" if sessions_known else info.name) for info in data.transcripts}
    columns = list(
        dict.fromkeys(sorted(column_of.values(), key=_session_order) if sessions_known else column_of.values())
    )
    cells: dict[tuple[str, str], set[str]] = defaultdict(set)
    cases: dict[str, str | None] = {}
    move_counts: dict[str, Counter[str]] = {column: Counter() for column in columns}
    held: dict[str | None, set[str]] = defaultdict(set)
    for info in data.transcripts:
        held[info.group].add(column_of[info.path])
    group_order = sorted(held, key=lambda g: natural_key(g or ""))
    group_columns = {group: [column for column in columns if column in held[group]] for group in group_order}
    group_moves: dict[str | None, dict[str, Counter[str]]] = {
        group: {column: Counter() for column in group_columns[group]} for group in group_order
    }
    for coded in data.coded:
        column = column_of[coded.info.path]
        observed = stage_ids.intersection(coded.codes)
        is_participant = coded.role == "participant" if data.study.roles else bool(observed)
        if is_participant:
            cases.setdefault(coded.case, coded.info.group)
            cells[(coded.case, column)].update(observed)
        for code in move_ids.intersection(coded.codes):
            move_counts[column][code] += 1
            group_moves[coded.info.group][column][code] += 1
    order = [c.id for c in data.codebook.codes_in(stage_group.id)]
    move_order = [c.id for c in data.codebook.codes_in(move_group.id)] if move_group else []
    for counted in (move_counts, *group_moves.values()):  # in codebook order, not a set's order (which varies)
        for column, counts in counted.items():
            counted[column] = Counter({code: counts[code] for code in move_order if counts[code]})
    # Participants by therapy group, then by name, in natural order (Participant 2 before Participant 10).
    ordered = sorted(cases, key=lambda case: (natural_key(cases[case] or ""), natural_key(case)))
    return ProgressGrid(
        stages=stage_group,
        moves=move_group,
        columns=columns,
        cases=ordered,
        cells={key: [c for c in order if c in value] for key, value in cells.items()},
        move_counts=move_counts,
        case_groups={case: cases[case] for case in ordered},
        group_moves=group_moves,
        group_columns=group_columns,
    )


def _session_order(column: str) -> int:
    return int(column.split()[-1])


def short_name(code: Code) -> str:
    """ "2a" for "2a Competency with ...": a label's first word when it has a digit, else the label."""
    first = code.label.split()[0]
    return first if any(ch.isdigit() for ch in first) else code.label


def move_names(data: Dataset, group: CodeGroup) -> dict[str, str]:
    """Short names for the moves: initials when they are unique, else keys, else ids."""
    codes = data.codebook.codes_in(group.id)
    initials = [c.label[:1].upper() for c in codes]
    if len(set(initials)) == len(initials):
        return {c.id: i for c, i in zip(codes, initials, strict=True)}
    if all(c.key for c in codes):
        return {c.id: c.key or c.id for c in codes}
    return {c.id: c.id for c in codes}


def grid_table(data: Dataset, grid: ProgressGrid) -> ReportTable:
    codebook = data.codebook
    table = ReportTable(f"Progression: {grid.stages.label}", ["case", *grid.columns])
    for case in grid.cases:
        row: list[str | int | float | StyledCell | None] = [case]
        for column in grid.columns:
            observed = grid.cells.get((case, column), [])
            text = " ".join(short_name(codebook.code(c)) for c in observed)
            furthest = codebook.code(observed[-1]) if observed else None
            style = f"bold {furthest.color}" if furthest and furthest.color else ("bold" if furthest else "")
            row.append(StyledCell(text, style))
        table.rows.append(row)
    if grid.moves is not None:
        names = move_names(data, grid.moves)
        order = [c.id for c in codebook.codes_in(grid.moves.id)]
        for group, counts in moves_by_group(grid).items():
            table.rows.append(
                [
                    f"{grid.moves.label} (counts{f', group {group}' if group is not None else ''})",
                    *[
                        " ".join(f"{names[c]}{counts[col][c]}" for c in order if counts[col][c])
                        if col in counts
                        else "–"
                        for col in grid.columns
                    ],
                ]
            )
        legend = ", ".join(f"{names[c.id]} {c.label}" for c in codebook.codes_in(grid.moves.id))
        stages = ", ".join(
            c.label if c.label.startswith(short_name(c)) else f"{short_name(c)} {c.label}"
            for c in codebook.codes_in(grid.stages.id)
        )
        table.note = f"Stages: {stages}. The furthest stage in a session is in bold. Moves: {legend}."
    return table


def grid_json(grid: ProgressGrid, coders: Mapping[str, object]) -> str:
    data = {
        "coders": coders,
        "stages_group": grid.stages.id,
        "moves_group": grid.moves.id if grid.moves else None,
        "columns": grid.columns,
        "cases": [
            {
                "case": case,
                "sessions": {column: grid.cells.get((case, column), []) for column in grid.columns},
                "furthest": {column: _last(grid.cells.get((case, column))) for column in grid.columns},
            }
            for case in grid.cases
        ],
        "moves": {column: dict(grid.move_counts[column]) for column in grid.columns} if grid.moves else None,
    }
    if grid.moves and any(group is not None for group in grid.group_moves):
        data["moves_by_group"] = {
            str(group): {column: dict(counts) for column, counts in by_column.items()}
            for group, by_column in grid.group_moves.items()
            if group is not None
        }
    return json_safe(json.dumps(data, indent=1, ensure_ascii=False))


def grid_csv_table(grid: ProgressGrid) -> ReportTable:
    table = ReportTable("progression", ["case", "column", "stages", "furthest"])
    for case in grid.cases:
        for column in grid.columns:
            observed = grid.cells.get((case, column), [])
            table.rows.append([case, column, " ".join(observed), observed[-1] if observed else ""])
    if grid.moves is not None:
        for column in grid.columns:
            for code, count in grid.move_counts[column].items():
                table.rows.append([f"moves:{code}", column, count, ""])
    return table


#: The most participants' lines in one chart; a larger group is drawn in several (colours and dashes repeat
#: beyond 32 anyway).
LINES_PER_CHART = 16
#: The most moves a moves chart stacks; the rarest beyond are one segment, "other moves".
MOVES_PER_CHART = 12


def stage_charts(data: Dataset, grid: ProgressGrid) -> list[tuple[str, str | None]]:
    """One chart per therapy group: (heading, SVG), its participants' furthest stage in each session; None for
    a group none of whose participants has a stage coded yet."""
    from purer_tui.reports.charts import Series, stage_chart

    stage_ids = [c.id for c in data.codebook.codes_in(grid.stages.id)]
    place = {code: index for index, code in enumerate(stage_ids)}
    stage_names = [short_name(data.codebook.code(code)) for code in stage_ids]
    groups: dict[str | None, list[str]] = {}
    for case, group in grid.case_groups.items():
        groups.setdefault(group, []).append(case)
    charts: list[tuple[str, str | None]] = []
    for number, group in enumerate(groups):
        lines: list[Series] = []
        also_seen: list[tuple[tuple[int, int], str]] = []  # (column, stage), whose
        columns = grid.group_columns.get(group, grid.columns)  # the group's own sessions
        for case in groups[group]:
            furthest: list[float | None] = []
            for column_index, column in enumerate(columns):
                seen = [place[code] for code in grid.cells.get((case, column), [])]
                furthest.append(max(seen) if seen else None)
                also_seen += [
                    ((column_index, stage), _without_group(case, group)) for stage in seen if stage != max(seen)
                ]
            if any(value is not None for value in furthest):
                lines.append(Series(_without_group(case, group), furthest))
        heading = _group_heading(group, "Participants")
        if not lines:
            charts.append((heading, None))
            continue
        # A chart of more lines than this is not read: a large group is drawn in parts.
        parts = [lines[start : start + LINES_PER_CHART] for start in range(0, len(lines), LINES_PER_CHART)]
        for part, drawn in enumerate(parts):
            shown = heading if len(parts) == 1 else f"{heading} ({part + 1} of {len(parts)})"
            names = {line.name for line in drawn}
            earlier = sorted({point for point, case in also_seen if case in names})
            chart = stage_chart(
                f"stages-{number + 1}-{part + 1}",
                f"{shown}: {grid.stages.label}, the furthest in each {column_word(grid)}",
                columns,
                stage_names,
                drawn,
                earlier,
                joined=by_session(grid),
            )
            charts.append((shown, chart))
    return charts


def moves_charts(data: Dataset, grid: ProgressGrid) -> list[tuple[str, str | None]]:
    """The staff's moves per session as stacked bars in the codebook's colours: (heading, SVG), one chart per
    therapy group when there are several (their sessions are not the same sessions), none without a moves group;
    None for a group with no move coded yet."""
    from purer_tui.reports.charts import Series, stacked_bars
    from purer_tui.reports.html_page import css_colour

    if grid.moves is None:
        return []
    codes = data.codebook.codes_in(grid.moves.id)
    charts: list[tuple[str, str | None]] = []
    for number, (group, counts) in enumerate(moves_by_group(grid).items()):
        columns = list(counts)
        series = [
            Series(code.label, [counts[column][code.id] for column in columns], css_colour(code.color))
            for code in codes
            if any(counts[column][code.id] for column in columns)
        ]
        if len(series) > MOVES_PER_CHART:
            kept = sorted(series, key=lambda line: -sum(v or 0 for v in line.values))[: MOVES_PER_CHART - 1]
            rest = [line for line in series if line not in kept]
            others = [sum(line.values[index] or 0 for line in rest) for index in range(len(columns))]
            series = [line for line in series if line in kept] + [Series(f"{len(rest)} other moves", others, "#999999")]
        heading = _group_heading(group, "")
        if not series:
            charts.append((heading, None))
            continue
        title = f"{heading + ': ' if heading else ''}{grid.moves.label}, moves per {column_word(grid)}"
        charts.append((heading, stacked_bars(f"moves-{number + 1}", title, columns, series)))
    return charts


def moves_html(data: Dataset, grid: ProgressGrid) -> str:
    """The moves charts, with a caption, or a line for each group with no move coded yet."""
    from purer_tui.reports.html_page import figure, text

    if grid.moves is None:
        return ""
    parts = []
    for heading, svg in moves_charts(data, grid):
        if svg is None:
            parts.append(f"<p class='note'>{text(heading + ': ' if heading else '')}no move coded yet.</p>")
        else:
            parts.append(
                figure(
                    svg, f"How often each move was coded in each {column_word(grid)}, by the coders the figures use."
                )
            )
    return "\n".join(parts)


def moves_by_group(grid: ProgressGrid) -> dict[str | None, dict[str, Counter[str]]]:
    """The moves counted per therapy group and column when there are several groups, else all together."""
    if len(grid.group_moves) > 1:
        return grid.group_moves
    return {None: grid.move_counts}


def grid_html(data: Dataset, grid: ProgressGrid) -> str:
    """The participants x sessions grid as an HTML table, each cell in its furthest stage's colour."""
    from purer_tui.reports.html_page import Cell, coloured, swatch, table, text

    codebook = data.codebook
    rows: list[list[object]] = []
    absent = False
    for case in grid.cases:
        row: list[object] = [case]
        held = grid.group_columns.get(grid.case_groups[case], grid.columns)
        for column in grid.columns:
            observed = grid.cells.get((case, column), [])
            if column not in held:
                row.append(Cell("–", "cell absent"))
                absent = True
                continue
            if not observed:
                row.append(Cell("", "cell"))
                continue
            names = [text(short_name(codebook.code(code))) for code in observed]
            names[-1] = f"<span class='furthest'>{names[-1]}</span>"
            row.append(Cell(" ".join(names), "cell", coloured(codebook.code(observed[-1]).color)))
        rows.append(row)
    stages = ", ".join(
        c.label if c.label.startswith(short_name(c)) else f"{short_name(c)} {c.label}"
        for c in codebook.codes_in(grid.stages.id)
    )
    legend = " ".join(swatch(c.color) + text(short_name(c)) for c in codebook.codes_in(grid.stages.id))
    return (
        table(["participant", *grid.columns], rows)
        + f"\n<p class='note'>{legend}</p>\n<p class='note'>Stages: {text(stages)}. Each cell lists the stages seen; "
        "it is coloured as its furthest stage, in bold; an empty cell: no stage seen"
        + ("; –: the participant's group has no such session." if absent else ".")
        + "</p>"
    )


def stage_captions(grid: ProgressGrid) -> str:
    """What a stage chart shows, said under it."""
    if not by_session(grid):
        return (
            "The study's file names give no sessions, so each transcript is a column and points are not joined. "
            "Grey dots: an earlier stage seen in the same transcript."
        )
    return (
        "One line per participant, through the furthest stage seen in each session (lines are set slightly apart "
        "so that people at the same stage stay visible; a session with no stage seen breaks the line). Grey dots: "
        "an earlier stage seen in the same session."
    )


def progression_html(data: Dataset, grid: ProgressGrid, with_moves: bool = True) -> str:
    """The progression section: a chart per therapy group, the grid, and (`with_moves`) the moves per session."""
    from purer_tui.reports.html_page import figure, text

    parts = []
    for heading, svg in stage_charts(data, grid):
        if svg is None:
            parts.append(f"<p class='note'>{text(heading)}: no participant has a stage coded yet.</p>")
        else:
            parts.append(figure(svg, stage_captions(grid)))
    if not grid.cases:
        parts.append("<p class='note'>No participant turn is coded yet.</p>")
    parts.append("<h3>Participants by " + column_word(grid) + "</h3>")
    parts.append(grid_html(data, grid))
    if with_moves:
        parts.append(moves_html(data, grid))
    return "\n".join(parts)


def save_picture(data: Dataset, grid: ProgressGrid, svg: str | None, html: str | None) -> None:
    """Save the progression as SVG (the charts one above the other) and/or as an HTML page."""
    from pathlib import Path

    from purer_tui.core.durable import write_output
    from purer_tui.reports.html_page import page, text

    title = f"{data.study.name}: progression"
    if svg:
        charts = [chart for _, chart in stage_charts(data, grid) if chart is not None]
        charts += [chart for _, chart in moves_charts(data, grid) if chart is not None]
        write_output(Path(svg), stacked_svg(title, charts).encode("utf-8"), data.transcript_paths, data.study.root)
    if html:
        body = (
            f"<h1>{text(title)}</h1>\n<p class='lead'>{text(data.choice.summary.capitalize())}</p>\n"
            + progression_html(data, grid)
        )
        write_output(Path(html), page(title, body).encode("utf-8"), data.transcript_paths, data.study.root)


def stacked_svg(title: str, charts: list[str]) -> str:
    """Charts one above the other in one SVG file (each chart is an <svg> of its own, placed by y)."""
    from purer_tui.reports.charts import WIDTH, chart_height
    from purer_tui.reports.html_page import text

    parts, y = [], 0
    for chart in charts:
        height = chart_height(chart)
        parts.append(chart.replace("<svg ", f'<svg y="{y}" ', 1))  # each chart carries its own width and height
        y += height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" viewBox="0 0 {WIDTH} {y}">'
        f"<title>{text(title)}</title>\n" + "".join(parts) + "</svg>\n"
    )


def _last(stages: list[str] | None) -> str | None:
    return stages[-1] if stages else None


def by_session(grid: ProgressGrid) -> bool:
    """Whether the columns are sessions (the study's file names give them), not transcripts."""
    return all(column.startswith("session ") for column in grid.columns)


def column_word(grid: ProgressGrid) -> str:
    return "session" if by_session(grid) else "transcript"


def _group_heading(group: str | None, otherwise: str) -> str:
    return f"Group {group}" if group is not None else otherwise


def _without_group(case: str, group: str | None) -> str:
    """ "Participant 1" for "Participant 1 (group 1)" under the heading "Group 1"."""
    suffix = f" (group {group})"
    return case[: -len(suffix)] if group is not None and case.endswith(suffix) else case
