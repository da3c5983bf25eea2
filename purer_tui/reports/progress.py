"""`purer-tui progress`: the stage-progression view.

One row per participant (case), one column per session; each cell holds the
stage codes observed for that participant in that session, coloured as the
codebook colours them, with the furthest stage (last in codebook order) in
bold. A last row counts the staff's moves per session. Saved as SVG or HTML
for a paper or a supervisor, from the same picture.
"""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from purer_tui.core.codebook import Code, CodeGroup
from purer_tui.core.dataset import Dataset
from purer_tui.core.errors import UsageError
from purer_tui.core.safe_text import json_safe
from purer_tui.reports.tables import ReportTable, StyledCell


@dataclass
class ProgressGrid:
    stages: CodeGroup
    moves: CodeGroup | None
    columns: list[str]  # "session 1", ... (or transcript names when sessions are unknown)
    cases: list[str]
    cells: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (case, column) -> stage code ids
    move_counts: dict[str, Counter[str]] = field(default_factory=dict)  # column -> move code -> count


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
    cases: dict[str, None] = {}
    move_counts: dict[str, Counter[str]] = {column: Counter() for column in columns}
    for coded in data.coded:
        column = column_of[coded.info.path]
        observed = stage_ids.intersection(coded.codes)
        is_participant = coded.role == "participant" if data.study.roles else bool(observed)
        if is_participant:
            cases.setdefault(coded.case, None)
            cells[(coded.case, column)].update(observed)
        for code in move_ids.intersection(coded.codes):
            move_counts[column][code] += 1
    order = [c.id for c in data.codebook.codes_in(stage_group.id)]
    move_order = [c.id for c in data.codebook.codes_in(move_group.id)] if move_group else []
    for column, counts in move_counts.items():  # in codebook order, not the order of a set of ids (which varies)
        move_counts[column] = Counter({code: counts[code] for code in move_order if counts[code]})
    return ProgressGrid(
        stages=stage_group,
        moves=move_group,
        columns=columns,
        cases=sorted(cases),
        cells={key: [c for c in order if c in value] for key, value in cells.items()},
        move_counts=move_counts,
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
        table.rows.append(
            [
                f"{grid.moves.label} (counts)",
                *[
                    " ".join(f"{names[c]}{grid.move_counts[col][c]}" for c in order if grid.move_counts[col][c])
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


def save_picture(data: Dataset, grid: ProgressGrid, svg: str | None, html: str | None) -> None:
    """Record the readable grid with rich and save it as SVG and/or HTML."""
    from pathlib import Path

    from rich.console import Console
    from rich.text import Text

    from purer_tui.core.durable import write_output
    from purer_tui.core.safe_text import visible_controls
    from purer_tui.reports.tables import print_tables

    console = Console(record=True, width=max(80, 24 + 16 * len(grid.columns)), file=_Discard())
    console.print(Text(visible_controls(data.choice.summary.capitalize()), style="dim"))
    print_tables([grid_table(data, grid)], console)
    title = f"{data.study.name}: progression"
    if svg:
        write_output(
            Path(svg),
            console.export_svg(title=title, clear=False).encode("utf-8"),
            data.transcript_paths,
            data.study.root,
        )
    if html:
        write_output(
            Path(html), console.export_html(clear=False).encode("utf-8"), data.transcript_paths, data.study.root
        )


def _last(stages: list[str] | None) -> str | None:
    return stages[-1] if stages else None


class _Discard(io.StringIO):
    """A file that forgets what is written: the picture is recorded, not printed."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
