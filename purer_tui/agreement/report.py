"""Showing agreement: a readable table per group (worst codes first), JSON, or CSV for papers and scripts.

Every output shows the coefficients of `coefficients.COEFFICIENTS`, in its order.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Hashable, Mapping, Sequence

from purer_tui.agreement.coefficients import ALPHA, COEFFICIENTS
from purer_tui.agreement.statistics import Coefficient
from purer_tui.agreement.study_agreement import CodeAgreement, StudyAgreement
from purer_tui.core.plain_table import PlainTable, plain_width, table_lines, text_lines
from purer_tui.core.safe_text import json_safe, visible_controls


def csv_columns() -> list[str]:
    columns = ["scope", "group", "code", "label", "units"]
    for definition in COEFFICIENTS:
        columns.append(definition.column)
        if definition.kind is not None:
            columns.append(definition.kind_column)
    return [*columns, "note"]


def _value(coefficient: Coefficient | None) -> float | None:
    return None if coefficient is None or coefficient.value is None else round(coefficient.value, 6)


def _coefficient_json(coefficient: Coefficient | None) -> dict[str, object] | None:
    if coefficient is None:
        return None
    data: dict[str, object] = {"value": _value(coefficient), "units": coefficient.units}
    if coefficient.note:
        data["note"] = coefficient.note
    return data


def _coefficients_json(figures: Mapping[str, Coefficient]) -> dict[str, object]:
    """Each figure under its coefficient's column, in the registry's order."""
    return {
        definition.column: _coefficient_json(figures[definition.id])
        for definition in COEFFICIENTS
        if definition.id in figures
    }


def as_json(result: StudyAgreement) -> str:
    data = {
        "coders": result.coders,
        "transcripts": result.transcripts,
        "units": {
            "reviewed": result.turns_reviewed,
            "shared": result.units_shared,
            "by_all_coders": result.units_by_all,
        },
        **{
            definition.kind_column: result.kinds[definition.id]
            for definition in COEFFICIENTS
            if definition.kind is not None
        },
        "flagged_left_out": result.flagged,
        "suggested": result.suggested,
        "without_suggested": result.without_suggested,
        "note": result.note or None,
        **(
            {
                "bootstrap": {
                    "replicates": result.intervals.replicates,
                    "seed": result.intervals.seed,
                    "interval": "95%, percentile; turns coded by two or more coders resampled",
                }
            }
            if result.intervals is not None
            else {}
        ),
        "split_in_progress": [
            {"code": code, "split_into": into, "turns": turns, "note": note}
            for (code, (into, turns)), note in zip(result.split_pending.items(), result.split_notes, strict=True)
        ],
        "codes": [
            {
                "code": item.code.id,
                "label": item.code.label,
                "group": item.code.group or None,
                **_coefficients_json(item.coefficients),
                **_interval_json(result, "codes", item.code.id),
                "applied": item.applied,
            }
            for item in result.codes
        ],
        "exclusive_groups": [
            {
                "group": group.group.id,
                "label": group.group.label,
                "categories": group.categories,
                **_coefficients_json(group.coefficients),
                **_interval_json(result, "groups", group.group.id),
                "confusion": (
                    {
                        "rows": result.coders[0],
                        "columns": result.coders[1],
                        "counts": [
                            [group.confusion.get((a, b), 0) for b in group.categories] for a in group.categories
                        ],
                    }
                    if group.confusion is not None
                    else None
                ),
            }
            for group in result.groups
        ],
        "overall": {
            "mean_over_codes": {
                name: (None if value is None else round(value, 6)) for name, value in result.means.items()
            },
            "masi_alpha": _coefficient_json(result.masi_alpha),
            **_interval_json(result, "masi", "", "masi_alpha_ci"),
        },
    }
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False))


def _interval(result: StudyAgreement, scope: str, key: str) -> tuple[float, float] | None:
    intervals = result.intervals
    if intervals is None:
        return None
    if scope == "masi":
        return intervals.masi
    return (intervals.codes if scope == "codes" else intervals.groups).get(key)


def _interval_json(result: StudyAgreement, scope: str, key: str, name: str = "alpha_ci") -> dict[str, object]:
    """`"alpha_ci": [low, high]` (null when not computable) beside an alpha, with --ci; nothing without."""
    if result.intervals is None:
        return {}
    found = _interval(result, scope, key)
    return {name: None if found is None else [round(found[0], 6), round(found[1], 6)]}


def _interval_shown(result: StudyAgreement, scope: str, key: str) -> str:
    found = _interval(result, scope, key)
    return "n/a" if found is None else f"[{found[0]:.2f}, {found[1]:.2f}]"


def as_csv(result: StudyAgreement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with_ci = result.intervals is not None
    writer.writerow([*csv_columns(), *(["alpha_ci_low", "alpha_ci_high"] if with_ci else [])])

    def ci(scope: str, key: str) -> list[object]:
        if not with_ci:
            return []
        found = _interval(result, scope, key)
        return ["", ""] if found is None else [round(found[0], 6), round(found[1], 6)]

    incomplete = {
        code: f"incomplete: {turns} turn(s) still carry split code {split}"
        for split, (into, turns) in result.split_pending.items()
        for code in [split, *into]
    }
    for item in result.codes:
        values = {name: _value(coefficient) for name, coefficient in item.coefficients.items()}
        notes = "; ".join(
            [*sorted({c.note for c in item.coefficients.values() if c.note}), *[incomplete.get(item.code.id, "")]]
        ).strip("; ")
        units = item.coefficients[ALPHA.id].units
        writer.writerow(
            [
                "code",
                item.code.group,
                item.code.id,
                item.code.label,
                units,
                *_csv_figures(values, result.kinds),
                notes,
                *ci("codes", item.code.id),
            ]
        )
    for group in result.groups:
        values = {name: _value(coefficient) for name, coefficient in group.coefficients.items()}
        notes = "; ".join(sorted({c.note for c in group.coefficients.values() if c.note}))
        units = group.coefficients[ALPHA.id].units
        writer.writerow(
            [
                "exclusive_group",
                group.group.id,
                "",
                group.group.label,
                units,
                *_csv_figures(values, result.kinds),
                notes,
                *ci("groups", group.group.id),
            ]
        )
    means = {name: _round(value) for name, value in result.means.items()}
    writer.writerow(
        ["mean_over_codes", "", "", "", "", *_csv_figures(means, result.kinds), "", *(["", ""] if with_ci else [])]
    )
    masi = result.masi_alpha  # alpha too, over each turn's whole set of codes: it goes in alpha's column
    writer.writerow(
        [
            "masi_alpha",
            "",
            "",
            "",
            masi.units if masi else 0,
            *_csv_figures({ALPHA.id: _value(masi)}, result.kinds),
            masi.note if masi else "",
            *ci("masi", ""),
        ]
    )
    return out.getvalue()


def _csv_figures(values: Mapping[str, float | None], kinds: Mapping[str, str]) -> list[object]:
    """A row's coefficient columns: each value the row has ("" for the others), and beside it the variant used."""
    row: list[object] = []
    for definition in COEFFICIENTS:
        row.append(values.get(definition.id, ""))
        if definition.kind is not None:
            row.append(kinds[definition.id] if definition.id in values else "")
    return row


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _shown(value: float | None, as_percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%}" if as_percent else f"{value:.3f}"


def _named(name: str, kind: str) -> str:
    """A coefficient's heading or label, after the variant used if it has several ("Cohen κ")."""
    return f"{kind} {name}" if kind else name


def _worst_first(item: CodeAgreement) -> tuple[int, float]:
    value = item.coefficients[ALPHA.id].value
    return (1, 0.0) if value is None else (0, value)


def print_report(result: StudyAgreement, console: object | None = None) -> None:
    """Readable tables: written as plain text when the output is not a terminal and everything can be
    written exactly as rich would (see core.plain_table), else with rich (imported only then)."""
    parts = _report_parts(result)
    if console is None:
        shown = _plain_report(parts)
        if shown is not None:
            sys.stdout.write(shown)
            sys.stdout.flush()
            return
    _rich_report(parts, console)


#: One piece of the readable report: a line of text with its style, or a table.
_Part = tuple[str, str] | PlainTable


def _report_parts(result: StudyAgreement) -> list[_Part]:
    parts: list[_Part] = [
        (
            f"Coders: {', '.join(result.coders)}   transcripts: {result.transcripts}   "
            f"turns reviewed: {result.turns_reviewed}, "
            f"by two or more coders: {result.units_shared}, by all: {result.units_by_all}",
            "",
        )
    ]
    if result.flagged:
        left_out = ", ".join(f"{count} {coder} flagged" for coder, count in result.flagged.items())
        parts.append((f"Left out as not final: {left_out} (flagged turns count once unflagged).", "dim"))
    if result.suggested_note:
        parts.append((f"{result.suggested_note}.", "dim"))
    for note in result.split_notes:
        parts.append((f"Split in progress: {note}.", "bold yellow"))
    if result.note:
        parts.append((f"Not computable: {result.note}.", "bold"))
        return parts
    groups: dict[str, list[CodeAgreement]] = {}
    for item in result.codes:
        groups.setdefault(item.code.group, []).append(item)
    group_by_id = {group.group.id: group for group in result.groups}
    headings = [_named(definition.heading, result.kinds.get(definition.id, "")) for definition in COEFFICIENTS]
    # An exclusive group's line leads with the headline figure, then the group's other figures.
    group_figures = [
        ALPHA,
        *(definition for definition in COEFFICIENTS if definition.for_groups and definition is not ALPHA),
    ]
    for group_id, items in groups.items():
        label = result.group_labels.get(group_id, group_id)
        rows = []
        for item in sorted(items, key=_worst_first):
            applied = ", ".join(f"{coder} {count}" for coder, count in item.applied.items())
            figures = [
                _shown(item.coefficients[definition.id].value, definition.as_percent) for definition in COEFFICIENTS
            ]
            interval = [_interval_shown(result, "codes", item.code.id)] if result.intervals is not None else []
            rows.append(
                [
                    visible_controls(item.code.label),
                    str(item.coefficients[ALPHA.id].units),
                    *figures,
                    *interval,
                    applied,
                ]
            )
        ci_heading = [f"{ALPHA.heading} 95% CI"] if result.intervals is not None else []
        parts.append(
            PlainTable(
                visible_controls(label),
                ["code", "units", *headings, *ci_heading, "applied by"],
                ["left", "right", *("right" for _ in [*headings, *ci_heading]), "left"],
                rows,
            )
        )
        group = group_by_id.get(group_id)
        if group is not None:
            shown = ", ".join(
                f"{_named(definition.label, result.kinds.get(definition.id, ''))} "
                f"{_shown(group.coefficients[definition.id].value, definition.as_percent)}"
                + (
                    f" {_interval_shown(result, 'groups', group.group.id)}"
                    if definition is ALPHA and result.intervals
                    else ""
                )
                for definition in group_figures
            )
            parts.append(
                (
                    f"  one per turn ({', '.join(group.categories)}): {shown} "
                    f"over {group.coefficients[ALPHA.id].units} turns",
                    "",
                )
            )
            if group.confusion is not None:
                parts.append(_confusion(result, group.categories, group.confusion))
    undefined = sorted({c.note for item in result.codes for c in item.coefficients.values() if c.note})
    for note in undefined:
        parts.append((f"n/a: {note}", "dim"))
    if result.intervals is not None:
        parts.append(
            (
                f"95% CI: the 2.5th to 97.5th percentile of α over {result.intervals.replicates} resamples of the "
                f"turns (seed {result.intervals.seed}); n/a where fewer than 90% of resamples have an α "
                "(a code seldom applied).",
                "dim",
            )
        )
    means = ", ".join(
        f"{_named(definition.label, result.kinds.get(definition.id, ''))} "
        f"{_shown(result.means.get(definition.id), definition.as_percent)}"
        for definition in COEFFICIENTS
    )
    masi = result.masi_alpha
    parts.append(
        (
            f"Overall: mean over codes: {means}; "
            f"α over each turn's whole set of codes (MASI): {_shown(masi.value if masi else None)}"
            f"{' ' + _interval_shown(result, 'masi', '') if result.intervals is not None else ''} "
            f"over {masi.units if masi else 0} turns",
            "bold",
        )
    )
    return parts


def _confusion(
    result: StudyAgreement, categories: Sequence[str], confusion: Mapping[tuple[Hashable, Hashable], int]
) -> PlainTable:
    first, second = result.coders[0], result.coders[1]
    return PlainTable(
        f"{first} (rows) x {second} (columns)",
        ["", *categories],
        ["left", *("right" for _ in categories)],
        [[a, *[str(confusion.get((a, b), 0)) for b in categories]] for a in categories],
        boxed=False,
    )


def _plain_report(parts: Sequence[_Part]) -> str | None:
    width = plain_width()
    if width is None:
        return None
    out: list[str] = []
    for part in parts:
        if isinstance(part, PlainTable):
            # Rich reads the headings and figures of the main tables as markup: only plain ones are written here
            # (no tag, as rich's markup starts one, no escape, no emoji code; an interval "[0.42, 1.00]" is text).
            if part.boxed and any(_MARKUP.search(cell) for cell in _marked_up(part)):
                return None
            shown = table_lines(part, width)
        else:
            shown = text_lines(part[0], width)
        if shown is None:
            return None
        out.append(shown)
    return "".join(out)


_MARKUP = re.compile(r"\\|\[[a-z#/@]|:")


def _marked_up(table: PlainTable) -> list[str]:
    """The cells given to rich as strings (read as markup): the headings and the figures."""
    return [*table.headers, *(cell for row in table.rows for cell in row[1:-1])]


def _rich_report(parts: Sequence[_Part], console: object | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = console if isinstance(console, Console) else Console()
    for part in parts:
        if not isinstance(part, PlainTable):
            out.print(Text(part[0], style=part[1]))
        elif part.boxed:
            table = Table(title=Text(part.title, style="bold"), title_justify="left", expand=False)
            for heading, justify in zip(part.headers, part.justify, strict=True):
                table.add_column(heading, justify=justify)  # type: ignore[arg-type]
            last = len(part.headers) - 1
            for row in part.rows:
                table.add_row(*[Text(cell) if index in (0, last) else cell for index, cell in enumerate(row)])
            out.print(table)
        else:
            table = Table(title=Text(part.title, style="dim"), title_justify="left", box=None, padding=(0, 1))
            table.add_column(part.headers[0])
            for heading in part.headers[1:]:
                table.add_column(Text(heading), justify="right")
            for row in part.rows:
                table.add_row(Text(row[0]), *row[1:])
            out.print(table)
