"""Properties that must hold for any input: the parser, the store, the codebook loader, the merge, the exports."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

import tomli_w
from hypothesis import example, given, settings
from hypothesis import strategies as st

from purer_tui.core.annotation_parsing import parse_annotations, parse_record
from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import load_codebook
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.session import CodingSession
from purer_tui.core.transcript import parse_transcript
from purer_tui.gitwork.merge import merge_records

# --- the transcript parser ----------------------------------------------------------------

LINE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    max_size=40,
)
ANY_TEXT = st.lists(
    st.one_of(
        LINE_TEXT,
        st.sampled_from(
            [
                "Therapist: hi",
                "P1 (Maria): yes",
                "[00:01:02] Dr. Ruiz: ok",
                "Note: x",
                "",
                "  ",
                "WEBVTT",
                "1",
                "00:00:01,000 --> 00:00:02,000",
            ]
        ),
    ),
    max_size=30,
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: end.join(lines)))

# What a plain transcript may drop: the syntax of labels and timestamps, never words.
LABEL_SYNTAX = set(":[]()0123456789.,-|\u2013\u2014")


@given(ANY_TEXT)
def test_any_text_parses_and_turns_invent_nothing(text: str) -> None:
    transcript = parse_transcript(text, Path("any.txt"), format="plain")
    assert [turn.number for turn in transcript.turns] == list(range(1, len(transcript.turns) + 1))
    lines = [turn.line for turn in transcript.turns]
    assert lines == sorted(lines)
    kept = Counter(ch for turn in transcript.turns for ch in turn.speaker + turn.text if not ch.isspace())
    given_chars = Counter(ch for ch in text.removeprefix("\ufeff") if not ch.isspace())
    assert not kept - given_chars  # turns hold nothing the text did not
    assert set((given_chars - kept).elements()) <= LABEL_SYNTAX | set(":")  # only label syntax is dropped
    for turn in transcript.turns:
        assert "\r" not in turn.text and turn.text == turn.text.strip()


@given(ANY_TEXT, st.sampled_from(["a.txt", "a.vtt", "a.srt"]))
def test_any_text_in_any_shape_parses_without_error(text: str, name: str) -> None:
    transcript = parse_transcript(text, Path(name))
    assert all(turn.number == index for index, turn in enumerate(transcript.turns, start=1))


SPEAKERS = st.sampled_from(["Therapist", "Participant 1", "Participant 2", "Dr. Ruiz", "P3 (Ana)"])
WORDS = st.lists(
    st.text(alphabet="abcdefghij kl.,!?éü好🙂", min_size=1, max_size=12).map(str.strip).filter(bool),
    min_size=1,
    max_size=8,
)


@given(st.lists(st.tuples(SPEAKERS, st.lists(WORDS.map(" ".join), min_size=1, max_size=3)), min_size=1, max_size=12))
def test_written_turns_read_back_as_they_were(turns: list[tuple[str, list[str]]]) -> None:
    """The text of a transcript is the concatenation of its turns, and comes back turn by turn."""
    text = "".join(f"{speaker}: {lines[0]}\n" + "".join(f"{line}\n" for line in lines[1:]) for speaker, lines in turns)
    parsed = parse_transcript(text, Path("t.txt"))
    merged: list[tuple[str, str]] = []
    for speaker, lines in turns:  # a speaker talking twice in a row is still two turns
        merged.append((speaker, "\n".join(lines)))
    assert [(t.speaker, t.text) for t in parsed.turns] == merged


# --- the annotation parser ----------------------------------------------------------------

MEMO_TEXT = st.text(alphabet='ab "\\{}[],:\n\r\u2028é好', max_size=8)
VERSIONS = st.builds(
    lambda codes, memo, anchor, reviewed, flag: TurnVersion(
        tuple(codes) if reviewed else (), memo, anchor, reviewed, flag
    ),
    st.lists(st.sampled_from(["a", "b", "c-1"]), unique=True, max_size=2),
    MEMO_TEXT,
    st.none() | st.sampled_from(["", "0123456789"]),
    st.booleans(),
    st.booleans(),
)
CONFLICTS = st.builds(Conflict, st.none() | VERSIONS, st.none() | VERSIONS, st.lists(VERSIONS, max_size=2).map(tuple))
RECORD_LINES = st.builds(
    lambda turn, version, conflict: AnnotationRecord.from_version(turn, version, conflict).to_json_line(),
    st.integers(1, 6),
    VERSIONS,
    st.none() | CONFLICTS,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**8) | st.text(alphabet='aA -_"\\{}\n', max_size=6),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["codes", "memo", "ours", "theirs", "more", "x"]), children, max_size=3)
    ),
    max_leaves=8,
)
# Objects with any of a record's fields (and one it does not have) holding any value: every refusal.
OBJECT_LINES = st.dictionaries(
    st.sampled_from(["turn", "codes", "memo", "anchor", "conflict", "reviewed", "flag", "when"]),
    JSON_VALUES,
    max_size=6,
).map(lambda data: json.dumps(data, ensure_ascii=False))
# Pieces of JSON that may make valid JSON once lines are joined, but not alone: a string or object run across lines.
FRAGMENTS = st.lists(
    st.sampled_from(["{", "}", '"', ",", ":", "[", "]", " ", "\\", '"turn"', '"codes"', '"memo"', "1", "[]", '"a"']),
    max_size=10,
).map("".join)
ANY_LINE = (
    RECORD_LINES
    | OBJECT_LINES
    | FRAGMENTS
    | FRAGMENTS.map(lambda text: "{" + text + "}")
    | st.sampled_from(["", " ", "[1]", "{}"])
)
ANNOTATION_TEXTS = st.builds(
    lambda lines, ending, final: ending.join(lines) + (ending if final else ""),
    st.lists(RECORD_LINES, max_size=8) | st.lists(ANY_LINE, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)


# Two records on one line, and one record over two lines: each line opens and closes braces, and the
# lines make a valid JSON array together, but not one of them is a record on its own.
JOINED_ONLY = (
    '{"codes":["a"],"turn":1},{"codes":["b"],"turn":2}\n'
    '{"codes":[],"turn":3,"conflict":{"ours":null,"theirs":null,"more":[{"codes":["x"]}\n'
    '{"codes":["y"]}]}}\n'
)


@example(JOINED_ONLY)
@given(ANNOTATION_TEXTS)
def test_each_record_is_its_own_line_read_alone(text: str) -> None:
    """Whatever the text, each record is what its own line says when decoded alone, and each other line that
    is not blank is an error at that line: nothing read from several lines together, nothing lost."""
    parsed = parse_annotations(text, Path("x.ana.jsonl"))
    lines = text.split("\n")
    assert set(parsed.lines) == set(parsed.records)
    for turn, number in parsed.lines.items():
        assert parse_record(lines[number - 1].rstrip("\r")) == (parsed.records[turn], None)
    errors = {problem.line for problem in parsed.errors}
    record_lines = set(parsed.lines.values())
    for number, line in enumerate(lines, start=1):
        if line.strip() and number not in record_lines:
            assert number in errors


# --- the store, through the coding session ----------------------------------------------

CODEBOOK = """\
[codebook]
name = "p"
[groups.g]
label = "G"
exclusive = true
[codes.a]
group = "g"
key = "a"
label = "A"
definition = "a"
[codes.b]
group = "g"
key = "b"
label = "B"
definition = "b"
[codes.c]
key = "c"
label = "C"
definition = "c"
"""

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.integers(-3, 3)),
        st.tuples(st.just("toggle"), st.sampled_from(["a", "b", "c"])),
        st.tuples(st.just("review"), st.none()),
        st.tuples(st.just("memo"), st.sampled_from(["", "note", "another\nline"])),
        st.tuples(st.just("flag"), st.none()),
        st.tuples(st.just("unreview"), st.none()),
        st.tuples(st.just("undo"), st.none()),
        st.tuples(st.just("redo"), st.none()),
        st.tuples(st.just("crash"), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=60)
@given(OPERATIONS)
def test_any_sequence_of_changes_and_crashes_leaves_what_a_simple_model_predicts(
    operations: list[tuple[str, object]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "c.toml").write_text(CODEBOOK)
        transcript = root / "t.txt"
        transcript.write_text("".join(f"{'AB'[i % 2]}: turn {i}\n" for i in range(1, 6)))
        codebook = load_codebook(root / "c.toml")

        def open_session() -> CodingSession:
            session = CodingSession([transcript], codebook, "ana")
            session.resume()
            session.first()
            return session

        session = open_session()
        State = tuple[tuple[str, ...], str, bool, bool]  # codes, memo, reviewed, flag
        model: dict[int, State] = {}  # what must be on disk
        reviewed_by_code: set[int] = set()  # turns a code reviewed in this session (taking it off un-reviews them)
        undo: list[tuple[int, object, object]] = []
        redo: list[tuple[int, object, object]] = []
        position = 1

        def kept(state: State) -> State | None:
            codes, memo, reviewed, flag = state
            return state if reviewed or memo or flag else None  # nothing left: no line

        def change(after: State | None) -> None:
            before = model.get(position)
            if after == before:
                return
            undo.append((position, before, after))
            redo.clear()
            set_state(position, after)

        def set_state(turn: int, state: object) -> None:
            if state is None:
                model.pop(turn, None)
            else:
                model[turn] = state  # type: ignore[assignment]

        for kind, argument in operations:
            current = model.get(position)
            codes_now, memo_now, reviewed_now, flag_now = current or ((), "", False, False)
            if kind == "move":
                position = min(5, max(1, position + int(argument)))  # type: ignore[arg-type]
                session.move(int(argument))  # type: ignore[arg-type]
            elif kind == "toggle":
                codes = list(codes_now)
                if argument in codes:
                    codes.remove(argument)
                else:
                    if argument in ("a", "b"):
                        codes = [c for c in codes if c not in ("a", "b")]
                    codes.append(argument)  # type: ignore[arg-type]
                    if not reviewed_now:
                        reviewed_by_code.add(position)
                reviewed = bool(codes) or position not in reviewed_by_code
                if not codes:
                    reviewed_by_code.discard(position)
                order = ["a", "b", "c"]
                change(kept((tuple(sorted(codes, key=order.index)), memo_now, reviewed, flag_now)))
                session.toggle_code(str(argument))
            elif kind == "review":
                reviewed_by_code.discard(position)
                if not reviewed_now:
                    change((codes_now, memo_now, True, flag_now))
                session.mark_reviewed()
            elif kind == "unreview":
                if reviewed_now:
                    reviewed_by_code.discard(position)
                    change(kept(((), memo_now, False, flag_now)))
                session.unreview()
            elif kind == "flag":
                change(kept((codes_now, memo_now, reviewed_now, not flag_now)))
                session.toggle_flag()
            elif kind == "memo":
                memo = str(argument).rstrip()
                if memo != memo_now:
                    change(kept((codes_now, memo, reviewed_now, flag_now)))
                session.set_memo(str(argument))
            elif kind == "undo" and undo:
                turn, before, after = undo.pop()
                redo.append((turn, before, after))
                set_state(turn, before)
                position = turn
                session.undo()
            elif kind == "redo" and redo:
                turn, before, after = redo.pop()
                undo.append((turn, before, after))
                set_state(turn, after)
                position = turn
                session.redo()
            elif kind == "crash":  # the process dies: nothing closed, nothing compacted
                session = open_session()
                position = 1
                reviewed_by_code.clear()
                undo.clear()
                redo.clear()
            assert session.turn.number == position
            on_disk = AnnotationFile.open(annotation_path(transcript, "ana")).records
            assert {t: (r.codes, r.memo, r.reviewed, r.flag) for t, r in on_disk.items()} == model
            assert session.progress().reviewed == sum(1 for state in model.values() if state[2])
            assert session.progress().flagged == sum(1 for state in model.values() if state[3])


# --- the codebook loader ----------------------------------------------------------------

TOML_VALUES = st.recursive(
    st.one_of(st.booleans(), st.integers(-5, 5), st.text(max_size=6), st.just("#5f87af"), st.just("r")),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["label", "key", "group", "definition", "exclusive", "color", "x"]), children, max_size=4
        ),
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.sampled_from(["codebook", "groups", "codes", "extra"]),
        st.dictionaries(st.text(alphabet="abcXY-_ 1", min_size=1, max_size=6), TOML_VALUES, max_size=4),
        max_size=4,
    )
)
def test_any_codebook_loads_or_is_refused_with_problems(data: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.toml"
        path.write_text(tomli_w.dumps(data))
        try:
            codebook = load_codebook(path)
        except InvalidFileError as error:
            assert error.problems and all(problem.message for problem in error.problems)
        else:
            assert codebook.codes


# --- the merge driver ---------------------------------------------------------------------

RECORDS = st.dictionaries(
    st.integers(1, 8),
    st.tuples(
        st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=2),
        st.sampled_from(["", "m"]),
        st.booleans(),
        st.booleans(),
    ),
    max_size=8,
).map(
    lambda d: {
        # a turn not reviewed holds no codes: a memo or a flag on it
        t: AnnotationRecord(t, tuple(codes) if reviewed else (), memo, reviewed=reviewed, flag=flag)
        for t, (codes, memo, reviewed, flag) in d.items()
    }
)


@given(RECORDS, RECORDS, RECORDS)
def test_merging_is_symmetric_and_never_loses_a_record(base, ours, theirs) -> None:  # type: ignore[no-untyped-def]
    forward, backward = merge_records(base, ours, theirs), merge_records(base, theirs, ours)
    assert forward.conflicts == backward.conflicts
    for turn in set(ours) | set(theirs):
        if turn in forward.conflicts:
            record = forward.records[turn]
            assert record.conflict.ours == (ours[turn].version if turn in ours else None)
            assert record.conflict.theirs == (theirs[turn].version if turn in theirs else None)
            assert backward.records[turn].conflict.ours == record.conflict.theirs
        else:
            assert forward.records.get(turn) == backward.records.get(turn)
            assert forward.records.get(turn) in (ours.get(turn), theirs.get(turn))
    assert set(forward.records) >= (set(ours) & set(theirs))  # a turn both sides kept is never dropped
    # what is written reads back as it was: review state and flags included
    reread = parse_annotations(forward.render(), Path("merged.ana.jsonl"))
    assert not reread.errors and reread.records == forward.records


# --- the exports ------------------------------------------------------------------------------


@settings(max_examples=15)
# NUL makes a file "not text" (refused, tested elsewhere): every other character must survive the export.
@given(
    st.lists(
        st.tuples(SPEAKERS, LINE_TEXT.filter(lambda t: t.strip() != "" and "\x00" not in t)), min_size=1, max_size=6
    ),
    st.data(),
)
def test_every_export_parses_and_validates(turns: list[tuple[str, str]], data: st.DataObject) -> None:
    import xmlschema

    from purer_tui.core.dataset import load_dataset
    from purer_tui.core.study import load_study
    from purer_tui.interchange.csv_export import tidy_csv, wide_csv
    from purer_tui.interchange.refi_qda_export import codebook_document, project_document
    from tests.conftest import REPO

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "purer.toml").write_text('[study]\nname = "p"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
        (root / "c.toml").write_text(CODEBOOK)
        text = "".join(f"{speaker}: x {line}\n" for speaker, line in turns)
        (root / "t.txt").write_text(text)
        count = len(parse_transcript(text, Path("t.txt")).turns)
        coding = data.draw(
            st.dictionaries(st.integers(1, count), st.lists(st.sampled_from(["a", "c"]), unique=True), max_size=count)
        )
        AnnotationFile.open(root / "t.ana.jsonl").put_many(
            AnnotationRecord(t, tuple(c), "memo ✓") for t, c in coding.items()
        )
        dataset = load_dataset(load_study(root), ["ana"])
        project = project_document(dataset)  # checks its own integrity
        schemas = REPO / "tests" / "data" / "refi-qda"
        xmlschema.XMLSchema(schemas / "Project.xsd").validate(project.qde.decode("utf-8"))
        xmlschema.XMLSchema(schemas / "Codebook.xsd").validate(codebook_document(dataset.codebook).decode("utf-8"))
        tidy = list(csv.reader(io.StringIO(tidy_csv(dataset), newline="")))
        wide = list(csv.reader(io.StringIO(wide_csv(dataset), newline="")))
        assert len(wide) == 1 + len(coding)
        assert len(tidy) == 1 + sum(max(1, len(c)) for c in coding.values())
        tomllib.loads(tomli_w.dumps({"ok": True}))  # the TOML writer round-trips too
