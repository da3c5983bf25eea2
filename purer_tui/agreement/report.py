"""Showing agreement: a readable table per group (worst codes first), JSON, or CSV for papers and scripts."""

from __future__ import annotations

import csv
import io
import json

from purer_tui.agreement.statistics import Coefficient
from purer_tui.agreement.study_agreement import CodeAgreement, StudyAgreement
from purer_tui.core.safe_text import json_safe, visible_controls

CSV_COLUMNS = ["scope", "group", "code", "label", "units", "percent_agreement", "kappa", "kappa_kind", "alpha", "ac1", "note"]


def _value(coefficient: Coefficient | None) -> float | None:
    return None if coefficient is None or coefficient.value is None else round(coefficient.value, 6)


def _coefficient_json(coefficient: Coefficient | None) -> dict[str, object] | None:
    if coefficient is None:
        return None
    data: dict[str, object] = {"value": _value(coefficient), "units": coefficient.units}
    if coefficient.note:
        data["note"] = coefficient.note
    return data


def as_json(result: StudyAgreement) -> str:
    data = {
        "coders": result.coders,
        "transcripts": result.transcripts,
        "units": {"reviewed": result.turns_reviewed, "shared": result.units_shared, "by_all_coders": result.units_by_all},
        "kappa_kind": result.kappa_kind,
        "flagged_left_out": result.flagged,
        "note": result.note or None,
        "codes": [
            {
                "code": item.code.id,
                "label": item.code.label,
                "group": item.code.group or None,
                "percent_agreement": _coefficient_json(item.percent),
                "kappa": _coefficient_json(item.kappa),
                "alpha": _coefficient_json(item.alpha),
                "ac1": _coefficient_json(item.ac1),
                "applied": item.applied,
            }
            for item in result.codes
        ],
        "exclusive_groups": [
            {
                "group": group.group.id,
                "label": group.group.label,
                "categories": group.categories,
                "percent_agreement": _coefficient_json(group.percent),
                "alpha": _coefficient_json(group.alpha),
                "confusion": (
                    {"rows": result.coders[0], "columns": result.coders[1], "counts": [[group.confusion.get((a, b), 0) for b in group.categories] for a in group.categories]}
                    if group.confusion is not None
                    else None
                ),
            }
            for group in result.groups
        ],
        "overall": {
            "mean_over_codes": {name: (None if value is None else round(value, 6)) for name, value in result.means.items()},
            "masi_alpha": _coefficient_json(result.masi_alpha),
        },
    }
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False))


def as_csv(result: StudyAgreement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in result.codes:
        notes = "; ".join(sorted({c.note for c in (item.percent, item.kappa, item.alpha, item.ac1) if c.note}))
        writer.writerow(["code", item.code.group, item.code.id, item.code.label, item.alpha.units, _value(item.percent), _value(item.kappa), result.kappa_kind, _value(item.alpha), _value(item.ac1), notes])
    for group in result.groups:
        notes = "; ".join(sorted({c.note for c in (group.percent, group.alpha) if c.note}))
        writer.writerow(["exclusive_group", group.group.id, "", group.group.label, group.alpha.units, _value(group.percent), "", "", _value(group.alpha), "", notes])
    means = result.means
    writer.writerow(["mean_over_codes", "", "", "", "", _round(means.get("percent")), _round(means.get("kappa")), result.kappa_kind, _round(means.get("alpha")), _round(means.get("ac1")), ""])
    masi = result.masi_alpha
    writer.writerow(["masi_alpha", "", "", "", masi.units if masi else 0, "", "", "", _value(masi), "", masi.note if masi else ""])
    return out.getvalue()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _shown(coefficient: Coefficient | None, percent: bool = False) -> str:
    if coefficient is None or coefficient.value is None:
        return "n/a"
    return f"{coefficient.value:.0%}" if percent else f"{coefficient.value:.3f}"


def _worst_first(item: CodeAgreement) -> tuple[int, float]:
    value = item.alpha.value
    return (1, 0.0) if value is None else (0, value)


def print_report(result: StudyAgreement, console: object | None = None) -> None:
    """Readable tables with rich (imported here: only this output needs it)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = console if isinstance(console, Console) else Console()
    out.print(Text(
        f"Coders: {', '.join(result.coders)}   transcripts: {result.transcripts}   turns reviewed: {result.turns_reviewed}, "
        f"by two or more coders: {result.units_shared}, by all: {result.units_by_all}"
    ))
    if result.flagged:
        left_out = ", ".join(f"{count} {coder} flagged" for coder, count in result.flagged.items())
        out.print(Text(f"Left out as not final: {left_out} (flagged turns count once unflagged).", style="dim"))
    if result.note:
        out.print(Text(f"Not computable: {result.note}.", style="bold"))
        return
    groups: dict[str, list[CodeAgreement]] = {}
    for item in result.codes:
        groups.setdefault(item.code.group, []).append(item)
    group_by_id = {group.group.id: group for group in result.groups}
    for group_id, items in groups.items():
        label = result.group_labels.get(group_id, group_id)
        table = Table(title=Text(visible_controls(label), style="bold"), title_justify="left", expand=False)
        for column, justify in (("code", "left"), ("units", "right"), ("agree", "right"), (f"{result.kappa_kind} κ", "right"), ("α", "right"), ("AC1", "right"), ("applied by", "left")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for item in sorted(items, key=_worst_first):
            applied = ", ".join(f"{coder} {count}" for coder, count in item.applied.items())
            table.add_row(Text(visible_controls(item.code.label)), str(item.alpha.units), _shown(item.percent, True), _shown(item.kappa), _shown(item.alpha), _shown(item.ac1), Text(applied))
        out.print(table)
        group = group_by_id.get(group_id)
        if group is not None:
            out.print(Text(f"  one per turn ({', '.join(group.categories)}): α {_shown(group.alpha)}, agreement {_shown(group.percent, True)} over {group.alpha.units} turns"))
            if group.confusion is not None:
                out.print(_confusion(result, group))
    undefined = sorted({c.note for item in result.codes for c in (item.kappa, item.alpha) if c.note})
    for note in undefined:
        out.print(Text(f"n/a: {note}", style="dim"))
    means = result.means
    out.print(Text(
        f"Overall: mean over codes: agreement {_percent(means.get('percent'))}, {result.kappa_kind} κ {_number(means.get('kappa'))}, "
        f"α {_number(means.get('alpha'))}, AC1 {_number(means.get('ac1'))}; "
        f"α over each turn's whole set of codes (MASI): {_shown(result.masi_alpha)} over {result.masi_alpha.units if result.masi_alpha else 0} turns",
        style="bold",
    ))


def _confusion(result: StudyAgreement, group) -> object:  # type: ignore[no-untyped-def]
    from rich.table import Table
    from rich.text import Text

    first, second = result.coders[0], result.coders[1]
    table = Table(title=Text(f"{first} (rows) x {second} (columns)", style="dim"), title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    for category in group.categories:
        table.add_column(Text(category), justify="right")
    for a in group.categories:
        table.add_row(Text(a), *[str(group.confusion.get((a, b), 0)) for b in group.categories])
    return table


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
