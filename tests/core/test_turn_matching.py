"""Matching a phrase or a pattern in a turn, and the excerpt shown around the match."""

from __future__ import annotations

import pytest

from purer_tui.core.errors import UsageError
from purer_tui.core.study_search import matching_turns
from purer_tui.core.transcript import Turn
from purer_tui.core.turn_matching import Excerpt, excerpt_around, pattern_matcher, phrase_matcher


@pytest.mark.parametrize(
    ("text", "phrase", "span"),
    [
        ("My Breath felt calm", "breath", (3, 9)),
        ("Die Straße war laut", "STRASSE", (4, 10)),  # ß folds to ss: the span is the text's own characters
        ("ßß Maße", "masse", (3, 7)),
        ("nothing here", "breath", None),
    ],
)
def test_a_phrase_matches_as_the_apps_search_and_finds_its_place(
    text: str, phrase: str, span: tuple[int, int] | None
) -> None:
    assert phrase_matcher(phrase).find(text) == span
    # The same turns as the app's search finds.
    found = list(matching_turns([Turn(1, "A", text, None, 1)], phrase))
    assert found == ([1] if span else [])


def test_a_pattern_is_taken_as_written() -> None:
    assert pattern_matcher(r"calm(er)?\b").find("Calmer, then calmer") == (13, 19)
    assert pattern_matcher(r"(?i)calm(er)?\b").find("Calmer, then calmer") == (0, 6)


@pytest.mark.parametrize("pattern", ["(a+)+", "(a|aa)*b", "(x*)*", ".*a.*b.*c.*d"])
def test_patterns_that_can_backtrack_for_hours_are_refused(pattern: str) -> None:
    with pytest.raises(UsageError, match="simplify it"):
        pattern_matcher(pattern)


def test_an_excerpt_is_cut_around_the_match_on_one_line_with_controls_visible() -> None:
    text = "word " * 30 + "the\nkey\x1b phrase" + " more" * 30
    start = text.index("the")
    found = excerpt_around(text, (start, start + len("the\nkey\x1b phrase")), context=10)
    assert found == Excerpt("…word word ", "the key␛ phrase", " more more…")
    assert found.marked() == "…word word >>the key␛ phrase<< more more…"
    assert excerpt_around("  short one  ", (2, 7)) == Excerpt("", "short", " one")
    long = excerpt_around("x" * 200, (0, 200), longest=10)
    assert long.match == "xxxxxxxxx…" and long.before == long.after == ""


def test_an_excerpt_is_fitted_to_a_width_keeping_the_match_whole() -> None:
    found = Excerpt("a long stretch of words before it ", "the match", " and a long stretch after it too")
    fitted = found.fitted(30)
    assert fitted.match == "the match" and len(fitted.before + fitted.match + fitted.after) <= 30
    assert fitted.before.startswith("…") and fitted.after.endswith("…")
    assert found.fitted(200) == found
