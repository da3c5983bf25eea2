"""The study report (`purer-tui report --html`): the study's coding, its progression and its agreement with
intervals, gathered for reports.study_report to lay out as one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from purer_tui import __version__
from purer_tui.agreement.bootstrap import DEFAULT_REPLICATES, AlphaIntervals
from purer_tui.agreement.study_agreement import StudyAgreement, measure_study
from purer_tui.core.dataset import Dataset, Progress, load_dataset
from purer_tui.core.durable import write_output
from purer_tui.core.errors import UsageError
from purer_tui.core.study import Study, load_study
from purer_tui.reports.progress import build_grid
from purer_tui.reports.quotes import find_quotes
from purer_tui.reports.study_report import AgreementRow, AgreementSection, StudyReport, report_html


@dataclass(frozen=True)
class ReportRequest:
    coders: Sequence[str] | None = None  # the coders the figures use (default: as the other reports choose)
    stages: str | None = None
    moves: str | None = None
    quote_codes: Sequence[str] = field(default_factory=tuple)  # none: no transcript text in the report
    replicates: int = DEFAULT_REPLICATES
    seed: int = 0
    examples: bool = False  # the codebook's examples, often quotes from the transcripts


def write_study_report(
    study_path: Path, target: Path, request: ReportRequest, progress: Progress | None = None
) -> Dataset:
    """Build the report and write it to `target` (no more readable than the transcripts); the coding it used."""
    report = build_study_report(study_path, request, progress)
    data = report.data
    write_output(target, report_html(report).encode("utf-8"), data.transcript_paths, data.study.root)
    return data


def build_study_report(study_path: Path, request: ReportRequest, progress: Progress | None = None) -> StudyReport:
    study = load_study(study_path)
    codebook = study.load_codebook()
    unknown = [code for code in request.quote_codes if not codebook.has_code(code)]
    if unknown:
        raise UsageError(
            f'no code "{unknown[0]}" in the codebook for --with-quotes; the codes are '
            + ", ".join(code.id for code in codebook.codes)
        )
    data = load_dataset(study, request.coders, progress=progress)
    everyone = load_dataset(study, every_coder=True) if request.coders or data.choice.consensus else data
    grid = None
    if any(group.exclusive for group in codebook.groups) or request.stages:
        grid = build_grid(data, request.stages, request.moves)
    agreement, missing = None, ""
    if not data.transcripts:
        missing = "The study has no transcripts yet."
    else:
        agreement, missing = _agreement(study, request)
    quotes = find_quotes(data, list(request.quote_codes), 0) if request.quote_codes else None
    return StudyReport(
        data=data,
        everyone=everyone,
        made_with=f"purer-tui {__version__} on {date.today().isoformat()}",
        grid=grid,
        agreement=agreement,
        agreement_missing=missing,
        quotes=quotes,
        quote_codes=list(request.quote_codes),
        examples=request.examples,
    )


def _agreement(study: Study, request: ReportRequest) -> tuple[AgreementSection | None, str]:
    """The agreement section, or why there is none. Intervals a study is too large for are said, not waited for."""
    try:
        result = measure_study(study, bootstrap=(request.replicates, request.seed), say_too_large=True)
    except UsageError as error:  # too many coders to compare: the rest of the report still stands
        return None, f"No agreement figures: {error}."
    if len(result.coders) < 2:
        return None, "Agreement needs two coders who reviewed the same turns; " + (
            f"only {result.coders[0]} has coded this study." if result.coders else "no one has coded this study."
        )
    if result.note:
        return None, result.note
    section = agreement_section(result)
    if result.intervals_refused:
        section.notes.insert(0, f"No intervals: {result.intervals_refused}.")
    return section, ""


def agreement_section(result: StudyAgreement) -> AgreementSection:
    """The agreement figures the report shows: alpha with its interval, kappa and percent agreement per code;
    alpha and agreement per exclusive group; the overall alpha (MASI)."""
    intervals = result.intervals or AlphaIntervals(0, 0, {}, {}, None)  # none: the study was too large for them
    codes = [
        AgreementRow(
            item.code.label,
            item.alpha.value,
            intervals.codes.get(item.code.id),
            item.alpha.units,
            item.kappa.value,
            item.percent.value,
        )
        for item in result.codes
    ]
    groups = [
        AgreementRow(
            group.group.label,
            group.alpha.value,
            intervals.groups.get(group.group.id),
            group.alpha.units,
            percent=group.percent.value,
        )
        for group in result.groups
    ]
    masi = result.masi_alpha
    overall = AgreementRow("overall (MASI)", masi.value, intervals.masi, masi.units) if masi is not None else None
    notes = [note for note in (result.suggested_note, *result.split_notes) if note]
    if result.flagged:
        notes.append(
            "Flagged turns left out: " + ", ".join(f"{count} of {coder}" for coder, count in result.flagged.items())
        )
    return AgreementSection(
        coders=list(result.coders),
        units_shared=result.units_shared,
        kappa_kind=result.kappa_kind,
        replicates=intervals.replicates,
        seed=intervals.seed,
        codes=codes,
        groups=groups,
        overall=overall,
        notes=notes,
    )
