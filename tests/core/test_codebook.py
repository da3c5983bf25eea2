"""Codebooks: the bundled ones load, and every kind of mistake is reported with its path, line and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.codebook import UNGROUPED, codebook_problems, definition_fingerprint, load_codebook
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.keys import APP_KEYS, reserved_keys
from tests.conftest import REPO, write

VALID = """\
[codebook]
name = "Test"

[groups.stage]
label = "Stage"
exclusive = true

[codes.calm]
group = "stage"
key = "c"
label = "Calm"
definition = "Calm."

[codes.tense]
group = "stage"
key = "t"
label = "Tense"
definition = "Tense."

[codes.other]
label = "Other"
definition = "Anything else."
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path / "codebook.toml", text)
    return [f"{p.line}: {p.message}" for p in codebook_problems(path) if p.is_error]


def test_bundled_purer_codebook() -> None:
    codebook = load_codebook(REPO / "codebooks" / "purer.toml")
    assert [group.id for group in codebook.groups] == ["purer", "stage"]
    assert [code.id for code in codebook.codes_in("purer")] == [
        "phenomenology",
        "utilization",
        "reframing",
        "education",
        "reinforcement",
    ]
    assert [code.label[:2] for code in codebook.codes_in("stage")] == ["1 ", "2a", "2b", "3 ", "4 "]
    assert codebook.group("stage").exclusive and not codebook.group("purer").exclusive
    for code in codebook.codes:
        assert code.key and code.definition and code.include and code.exclude and code.examples and code.color


def test_every_bundled_codebook_is_valid() -> None:
    paths = sorted((REPO / "codebooks").glob("*.toml"))
    assert len(paths) >= 2
    for path in paths:
        assert codebook_problems(path) == [], path


def test_order_in_the_file_is_display_order_and_ungrouped_codes_get_a_group(tmp_path: Path) -> None:
    codebook = load_codebook(write(tmp_path / "c.toml", VALID))
    assert [code.id for code in codebook.codes] == ["calm", "tense", "other"]
    assert [group.id for group in codebook.groups] == ["stage", UNGROUPED]
    assert codebook.in_codebook_order(["other", "calm"]) == ["calm", "other"]
    assert codebook.code_for_key()["t"].id == "tense"
    assert [(g.id, m) for g, m in codebook.exclusive_conflicts(["calm", "tense", "other"])] == [
        ("stage", ["calm", "tense"])
    ]


def test_a_key_used_twice_names_both_codes(tmp_path: Path) -> None:
    text = VALID.replace('key = "t"', 'key = "c"')
    assert problems_of(tmp_path, text) == [
        '16: codes.tense.key: "c" is already the key of codes.calm; choose another key'
    ]


@pytest.mark.parametrize("key", ["j", "k", "n", "N", "m", "g", "G", "q", "?", "/", ":", "[", "]"])
def test_a_key_the_app_uses_is_refused(tmp_path: Path, key: str) -> None:
    text = VALID.replace('key = "t"', f'key = "{key}"')
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith(f'16: codes.tense.key: "{key}" is the app\'s key for ')


def test_reserved_keys_come_from_the_app_key_table() -> None:
    reserved = reserved_keys()
    for app_key in APP_KEYS:
        for key in app_key.keys:
            assert key in reserved or len(key) > 1
    assert " " in reserved and "j" in reserved and "x" not in reserved
    remapped = reserved_keys({"turn.next": "x"})
    assert "x" in remapped and "j" not in remapped


def test_the_scroll_keys_are_in_the_app_key_table() -> None:
    """ctrl+d and ctrl+u are bound from the one table, so they are reserved and a keymap can move them."""
    reserved = reserved_keys()
    assert reserved["ctrl+d"] == "turn.scroll_down" and reserved["ctrl+u"] == "turn.scroll_up"
    remapped = reserved_keys({"turn.scroll_down": "ctrl+f"})
    assert remapped["ctrl+f"] == "turn.scroll_down" and "ctrl+d" not in remapped


def test_a_study_keymap_changes_which_keys_are_free(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", VALID.replace('key = "t"', 'key = "j"'))
    with pytest.raises(InvalidFileError):
        load_codebook(path)
    assert load_codebook(path, {"turn.next": "down"}).code("tense").key == "j"


@pytest.mark.parametrize(
    "change, expected",
    [
        (('key = "t"', 'key = "tt"'), "16: codes.tense.key: 'tt' is not one printable character"),
        (('key = "t"', 'key = " "'), "16: codes.tense.key: ' ' is not one printable character"),
        (('key = "t"', "key = 5"), "16: codes.tense.key: must be a string"),
        (('label = "Tense"', 'lable = "Tense"'), "17: codes.tense.lable: is not a known field"),
        (('label = "Tense"\n', ""), "14: codes.tense.label: is required"),
        (('definition = "Tense."\n', ""), "14: codes.tense.definition: is required"),
        (("exclusive = true", 'exclusive = "yes"'), "6: groups.stage.exclusive: must be true or false"),
        (
            ('group = "stage"\nkey = "t"', 'group = "stages"\nkey = "t"'),
            '15: codes.tense.group: no group "stages" (groups: stage)',
        ),
        (("[codes.tense]", "[codes.Tense]"), '14: codes.Tense: "Tense" is not a valid id'),
        (("[groups.stage]", "[groups.my stage]"), None),
        (
            ('definition = "Tense."', 'definition = "Tense."\ncolor = "red"'),
            "19: codes.tense.color: 'red' is not a colour",
        ),
        (
            ('definition = "Tense."', 'definition = "Tense."\nexamples = "one"'),
            "19: codes.tense.examples: must be a list",
        ),
        (('name = "Test"', 'name = ""'), "2: codebook.name: must not be empty"),
        (('definition = "Tense."', 'definition = "Tense."\nid = "x"'), "19: codes.tense.id: is not a field"),
    ],
)
def test_each_mistake_is_reported_with_path_line_and_fix(
    tmp_path: Path, change: tuple[str, str], expected: str | None
) -> None:
    text = VALID.replace(*change)
    assert text != VALID
    found = problems_of(tmp_path, text)
    assert found, "expected a problem"
    if expected:
        assert any(problem.startswith(expected) for problem in found), found


def test_toml_syntax_errors_keep_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", VALID.replace('label = "Calm"', 'label = "Calm'))
    with pytest.raises(InvalidFileError) as raised:
        load_codebook(path)
    assert raised.value.line == 11  # the line with the unterminated string
    assert "TOML syntax error at column" in raised.value.message
    assert str(raised.value).startswith(f"{path}:11: ")


def test_missing_tables_and_unknown_tables(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "[codes.a]\nlabel='A'\ndefinition='a'\n") == [
        'None: codebook: is missing; add a [codebook] table with name = "..."'
    ]
    assert problems_of(tmp_path, "[codebook]\nname='x'\n")[0].endswith(
        "the codebook has no codes; add tables like [codes.my-code]"
    )
    assert any("is not a codebook table" in p for p in problems_of(tmp_path, VALID + "\n[extra]\na = 1\n"))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        VALID.replace('key = "t"', 'key = "c"')
        .replace('label = "Other"', 'labl = "Other"')
        .replace("exclusive = true", "exclusive = 1")
    )
    found = problems_of(tmp_path, text)
    assert [problem.split(":")[1].strip() for problem in found] == [
        "groups.stage.exclusive",
        "codes.tense.key",
        "codes.other.label",
        "codes.other.labl",
    ]


def test_a_key_clash_is_not_hidden_by_a_code_with_another_mistake(tmp_path: Path) -> None:
    # calm has no definition: it is still checked for its key, so tense's clash with it is reported too
    text = VALID.replace('definition = "Calm."\n', "").replace('key = "t"', 'key = "c"')
    found = problems_of(tmp_path, text)
    assert [problem.split(":", 2)[2].strip() for problem in found] == [
        "is required; add it",
        '"c" is already the key of codes.calm; choose another key',
    ]
    assert [problem.split(":")[1].strip() for problem in found] == ["codes.calm.definition", "codes.tense.key"]


def test_empty_definitions_are_a_warning_not_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", VALID.replace('definition = "Calm."', 'definition = ""'))
    [warning] = codebook_problems(path)
    assert warning.severity == "warning" and "codes.calm.definition" in warning.message
    assert load_codebook(path).code("calm").definition == ""


def test_deeply_nested_toml_is_refused_cleanly(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InvalidFileError):
        load_codebook(path)


NESTED = """\
[codebook]
name = "Tree"

[groups.coping]
label = "Coping"
color = "#336699"

[groups.breath]
label = "Breath"
parent = "coping"
exclusive = true

[codes.slow]
parent = "counting"
label = "Slow"
definition = "Slows the breath."

[codes.counting]
group = "breath"
label = "Counting"
definition = "Counts breaths."

[codes.walk]
group = "coping"
label = "Walking"
definition = "Walks."

[codes.very-slow]
parent = "slow"
label = "Very slow"
definition = "Very."
"""


def test_groups_and_codes_nest_and_are_listed_depth_first(tmp_path: Path) -> None:
    codebook = load_codebook(write(tmp_path / "codebook.toml", NESTED))
    assert [group.id for group in codebook.groups] == ["coping", "breath"]
    assert [group.id for group in codebook.group_path("breath")] == ["coping", "breath"]
    assert [group.id for group in codebook.subgroups("coping")] == ["breath"]
    assert codebook.group("coping").color == "#336699"
    # a nested code without a group is in its parent's; each parent comes before what sits under it
    assert [(code.id, code.group, codebook.code_depth(code.id)) for code in codebook.codes] == [
        ("counting", "breath", 0),
        ("slow", "breath", 1),
        ("very-slow", "breath", 2),
        ("walk", "coping", 0),
    ]
    assert [code.id for code in codebook.children("counting")] == ["slow"]
    # exclusivity counts the group's nested codes too
    assert codebook.exclusive_conflicts(["counting", "very-slow"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('[groups.x]\nlabel = "X"\nparent = "nowhere"\n', 'groups.x.parent: no group "nowhere"'),
        ('[groups.coping]\nlabel = "C"\nparent = "breath"\n', "sits under itself"),
        ('[codes.x]\nparent = "nowhere"\nlabel = "X"\ndefinition = "x"\n', 'no code "nowhere"'),
        ('[codes.counting]\nparent = "slow"\ngroup = "breath"\nlabel = "C"\ndefinition = "c"\n', "sits under itself"),
        ('[codes.x]\nparent = "slow"\ngroup = "coping"\nlabel = "X"\ndefinition = "x"\n', "its parent codes.slow"),
        ('[groups.x]\nlabel = "X"\ncolor = "blue"\n', "is not a colour"),
        ('[groups.x]\nlabel = "X"\ncolor = "#5f87af\\n"\n', "is not a colour"),  # nothing after the digits
    ],
)
def test_nesting_mistakes_are_named(tmp_path: Path, change: str, message: str) -> None:
    # replace a table when the change redefines it, else add the new one
    name = change.split("]")[0] + "]"
    text = NESTED
    if name in text:
        start = text.index(name)
        end = text.find("\n[", start + 1)
        text = text[:start] + text[end + 1 :] if end != -1 else text[:start]
    problems = problems_of(tmp_path, text + "\n" + change)
    assert any(message in problem for problem in problems), problems


def test_a_nested_group_without_roles_is_for_its_parents_roles(tmp_path: Path) -> None:
    text = NESTED.replace(
        '[groups.coping]\nlabel = "Coping"\n', '[groups.coping]\nlabel = "Coping"\nroles = ["participant"]\n'
    )
    text += '\n[groups.staff-only]\nlabel = "Staff"\nparent = "coping"\nroles = ["staff"]\n'
    codebook = load_codebook(write(tmp_path / "codebook.toml", text))
    assert codebook.group("breath").roles == ["participant"]  # inherited
    assert codebook.group("staff-only").roles == ["staff"]  # its own
    assert not codebook.group("breath").applies_to("staff")


def test_a_split_code_names_other_codes_that_were_not_split(tmp_path: Path) -> None:
    text = VALID.replace(
        'definition = "Anything else."', 'definition = "Anything else."\nsplit_into = ["calm", "nope", "other"]'
    )
    problems = problems_of(tmp_path, text)
    assert any('no code "nope"' in problem for problem in problems)
    assert any('names "other" itself' in problem for problem in problems)
    fine = write(
        tmp_path / "fine.toml",
        VALID.replace('definition = "Anything else."', 'definition = "Anything else."\nsplit_into = ["calm", "tense"]'),
    )
    assert load_codebook(fine).code("other").split_into == ["calm", "tense"]


def test_a_definition_fingerprint_changes_with_what_coders_apply_a_code_by_not_with_spacing() -> None:
    base = definition_fingerprint("The speaker notices a sensation.", "Body words.", "", ["I felt it."])
    assert base == definition_fingerprint("The speaker  notices\n a sensation. ", "Body words.", "", ["I felt it."])
    assert len(base) == 8 and int(base, 16) >= 0
    assert base != definition_fingerprint("The speaker notices a feeling.", "Body words.", "", ["I felt it."])
    assert base != definition_fingerprint("The speaker notices a sensation.", "", "Body words.", ["I felt it."])
    assert base != definition_fingerprint("The speaker notices a sensation.", "Body words.", "", [])
