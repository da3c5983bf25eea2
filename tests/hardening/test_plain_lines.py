"""The writer's plain lines are read with one match: the records, lines and problems are those of a full reading."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from purer_tui.core.annotation_parsing import ParsedAnnotations, parse_annotations, parse_record
from purer_tui.core.errors import Problem


def _every_line_in_full(text: str, path: Path) -> ParsedAnnotations:
    """Each line decoded as JSON and checked field by field (the reading before plain lines were matched)."""
    parsed = ParsedAnnotations()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    numbered = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            numbered.append((number, line))
        else:
            parsed.problems.append(Problem(path, number, "blank line; remove it", "warning"))
    previous = 0
    for number, line in numbered:
        record, problem = parse_record(line.rstrip("\r"))
        if record is None:
            parsed.problems.append(Problem(path, number, problem or "not a record"))
            continue
        if record.turn in parsed.records:
            first = parsed.lines[record.turn]
            message = f"turn {record.turn} appears again (first at line {first}); keep one line per turn"
            parsed.problems.append(Problem(path, number, message))
            continue
        if record.turn < previous:
            message = f"turn {record.turn} is out of order; the next save sorts the file"
            parsed.problems.append(Problem(path, number, message, "warning"))
        previous = max(previous, record.turn)
        parsed.records[record.turn] = record
        parsed.lines[record.turn] = number
    return parsed


CODES = st.sampled_from(["a", "b-2", "stage_1", "A", "1x", "-x", "a" * 64, "a" * 65, "é", 'q\\"', "a\\n", ""])
TURNS = st.sampled_from(["1", "2", "3", "7", "0", "01", "-1", "9999999", "10000000", "10000001", "1.0", "true"])
ANCHORS = st.sampled_from(['"anchor":"3f2a9c01bd",', '"anchor":"",', '"anchor":"ABC",', '"anchor":null,', ""])
PLAIN_LINES = st.builds(
    lambda anchor, codes, turn, space, end: f'{{{anchor}"codes":[{",".join(codes)}],{space}"turn":{turn}}}{end}',
    ANCHORS,
    st.lists(CODES.map(lambda code: f'"{code}"'), max_size=3),
    TURNS,
    st.sampled_from(["", "", " "]),
    st.sampled_from(["", "", "\r", " "]),
)
OTHER_LINES = st.sampled_from(["", " ", '{"codes":[],"memo":"m","turn":5}', '{"codes":["a"],"flag":true,"turn":2}'])


@example(['{"anchor":"00","codes":["a","a"],"turn":1}', '{"codes":["a"],"turn":2}', "", '{"codes":[],"turn":1}'], True)
@given(st.lists(PLAIN_LINES | OTHER_LINES, max_size=12), st.booleans())
def test_plain_lines_read_as_in_full(lines: list[str], final: bool) -> None:
    text = "\n".join(lines) + ("\n" if final else "")
    path = Path("x.ana.jsonl")
    fast, full = parse_annotations(text, path), _every_line_in_full(text, path)
    assert fast.records == full.records
    assert fast.lines == full.lines
    assert fast.problems == full.problems
