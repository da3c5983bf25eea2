"""The CSV export writes each distinct run of cells once: its bytes are those of one csv.writer row per record."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.case_metadata import TranscriptInfo
from purer_tui.core.dataset import CodedTurn, Dataset, load_dataset
from purer_tui.core.study import load_study
from purer_tui.core.table_columns import BASE_COLUMNS, CODER_COLUMNS, TIDY_CODE_COLUMNS, code_columns
from purer_tui.core.transcript import Turn, load_transcript
from purer_tui.interchange.csv_export import metadata_columns, tidy_csv, wide_csv

#: Memos that need quoting, look like formulas, or are plain.
MEMOS = ["", "", "", "plain", 'says "no", then, yes', "two\nlines", "=1+1", "-minus", "@at", "\ttab", "\rreturn", ","]


def _one_row_per_record(data: Dataset, spreadsheet: bool, wide: bool) -> str:
    """The export written the plain way: one csv.writer row per coded turn (and code), every cell quoted anew."""
    fields = metadata_columns(data)
    codes = [code.id for code in data.codebook.codes]
    out = io.StringIO()
    plain = csv.writer(out, lineterminator="\r\n")

    def write(row: Iterable[Any]) -> None:
        if spreadsheet:
            row = [
                f"'{cell}" if isinstance(cell, str) and cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell
                for cell in row
            ]
        plain.writerow(row)

    def base(coded: CodedTurn) -> list[object]:
        start = "" if coded.turn.start is None else round(coded.turn.start, 3)
        fixed = [coded.info.name, coded.turn.number, start, coded.turn.speaker, coded.role or ""]
        return [*fixed, *[coded.info.fields.get(f, "") for f in fields], coded.coder, coded.memo]

    order = {info.path: index for index, info in enumerate(data.transcripts)}
    ordered = sorted(data.coded, key=lambda c: (order[c.info.path], c.turn.number, c.coder))
    if wide:
        write([*BASE_COLUMNS, *fields, *CODER_COLUMNS, *code_columns(codes, fields)])
        for coded in ordered:
            write([*base(coded), *[int(code in coded.codes) for code in codes]])
        return out.getvalue()
    write([*BASE_COLUMNS, *fields, *CODER_COLUMNS, *TIDY_CODE_COLUMNS])
    for coded in ordered:
        if not coded.codes:
            write([*base(coded), "", "", "", ""])
        for code_id in coded.codes:
            code = data.codebook.code(code_id) if data.codebook.has_code(code_id) else None
            label, group = (code.label, code.group) if code else ("", "")
            write([*base(coded), code_id, label, group, int(code_id in coded.suggested)])
    return out.getvalue()


def _varied_coding(study: Path, seed: int) -> None:
    """Every coder's files rewritten with random codes (unknown ones too), memos, flags, suggestions, notes on
    turns not reviewed, merge conflicts and turns past the transcript's end."""
    rng = random.Random(seed)
    loaded = load_study(study)
    known = [code.id for code in loaded.load_codebook().codes]
    for transcript in loaded.transcript_paths():
        turns = load_transcript(transcript).turns
        for coder in ("ana", "ben", "cal"):
            records = []
            for number in range(1, len(turns) + 3):  # the last two: past the transcript's end
                anchor = turns[number - 1].anchor if number <= len(turns) else None
                roll = rng.random()
                if roll < 0.15:
                    continue  # not reviewed
                if roll < 0.2:
                    records.append(
                        AnnotationRecord(number, (), rng.choice(MEMOS[3:]), reviewed=False, flag=rng.random() < 0.5)
                    )
                    continue
                codes = tuple(dict.fromkeys(rng.sample([*known, "not-in-codebook"], rng.randint(0, 3))))
                suggested = tuple(code for code in codes if rng.random() < 0.3)
                conflict = None
                if rng.random() < 0.05:
                    conflict = Conflict(TurnVersion(codes), TurnVersion((), "theirs"))
                records.append(
                    AnnotationRecord(
                        number,
                        codes,
                        rng.choice(MEMOS),
                        anchor,
                        conflict,
                        flag=rng.random() < 0.1,
                        suggested=suggested,
                    )
                )
            target = transcript.with_name(f"{transcript.stem}.{coder}.jsonl")
            target.unlink(missing_ok=True)
            AnnotationFile(target).replace_all({record.turn: record for record in records})


@pytest.mark.parametrize("seed", [1, 2])
def test_the_export_is_byte_for_byte_one_csv_row_per_record(demo_study: Path, seed: int) -> None:
    _varied_coding(demo_study, seed)
    data = load_dataset(load_study(demo_study), every_coder=True)
    assert {coded.coder for coded in data.coded} == {"ana", "ben", "cal"}
    assert any(coded.memo for coded in data.coded) and any(coded.suggested for coded in data.coded)
    for spreadsheet in (False, True):
        assert tidy_csv(data, spreadsheet) == _one_row_per_record(data, spreadsheet, wide=False)
        assert wide_csv(data, spreadsheet) == _one_row_per_record(data, spreadsheet, wide=True)


def _reshaped(data: Dataset, kept: set[str], hostile: bool) -> Dataset:
    """The same coding with only the fields `kept` (none, one or several columns), and with names, fields,
    speakers and roles that need quoting or look like formulas when `hostile`."""
    infos = {
        info.path: TranscriptInfo(
            info.path.with_name(f'=1+1,"{info.path.stem}"{info.path.suffix}') if hostile else info.path,
            {name: f'-{value}, "q"' if hostile else value for name, value in info.fields.items() if name in kept},
        )
        for info in data.transcripts
    }
    turns: dict[int, Turn] = {}
    coded = []
    for one in data.coded:
        turn = turns.get(id(one.turn))
        if turn is None:
            speaker = f'@{one.turn.speaker}, "x"' if hostile and one.turn.number % 2 else one.turn.speaker
            turn = turns[id(one.turn)] = Turn(one.turn.number, speaker, one.turn.text, one.turn.start, one.turn.line)
        role = f"+{one.role}" if hostile and one.role else one.role
        coded.append(one._replace(info=infos[one.info.path], turn=turn, role=role))
    return replace(data, transcripts=list(infos.values()), coded=coded)


@pytest.mark.parametrize("kept", [set(), {"date"}, {"group", "session", "date"}])
@pytest.mark.parametrize("hostile", [False, True])
def test_rows_of_any_fields_and_hostile_names_are_those_of_one_row_per_record(
    demo_study: Path, kept: set[str], hostile: bool
) -> None:
    _varied_coding(demo_study, 3)
    data = _reshaped(load_dataset(load_study(demo_study), every_coder=True), kept, hostile)
    assert metadata_columns(data) == sorted(kept, key=lambda name: (name != "session", name))
    for spreadsheet in (False, True):
        assert tidy_csv(data, spreadsheet) == _one_row_per_record(data, spreadsheet, wide=False)
        assert wide_csv(data, spreadsheet) == _one_row_per_record(data, spreadsheet, wide=True)
