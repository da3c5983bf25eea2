"""The tokenizer and the BM25 index, against a small example computed by hand."""

from __future__ import annotations

import math

import pytest

from purer_tui.core.similarity import BM25Index, build_index, tokenize

# Four turns, 8 terms: N = 4, avgdl = 2.
#   a: pain back          b: pain pain sleep          c: sleep walk          d: walk
# IDF(q) = ln(1 + (N - n(q) + 0.5) / (n(q) + 0.5)):
#   pain, sleep, walk (in 2 turns): ln(1 + 2.5 / 2.5) = ln 2 = 0.693147
#   back (in 1 turn):               ln(1 + 3.5 / 1.5) = ln(10/3) = 1.203973
# k1 * (1 - b + b * |D| / avgdl), k1 = 1.2, b = 0.75:
#   |D| = 1: 0.75    |D| = 2: 1.2    |D| = 3: 1.65
# A term of frequency f in D adds IDF * f * 2.2 / (f + that), so:
#   a's query is {back, pain}; only b shares a term: pain, f = 2, |b| = 3: ln 2 * 4.4 / 3.65 = 0.835575
#   b's query is {pain, sleep}; a (pain, f = 1, |a| = 2) and c (sleep, f = 1, |c| = 2) both score ln 2 * 2.2 / 2.2
#   c's query is {sleep, walk}; d (walk, |d| = 1): ln 2 * 2.2 / 1.75 = 0.871385; b (sleep, |b| = 3): ln 2 * 2.2 / 2.65
#       = 0.575443
#   b's terms weighted by the same expression on b itself: pain 0.835575, sleep 0.575443
TURNS = {"a": ["pain", "back"], "b": ["pain", "pain", "sleep"], "c": ["sleep", "walk"], "d": ["walk"]}
LN2 = math.log(2)


def index() -> BM25Index[str]:
    return BM25Index(reversed(list(TURNS.items())))  # the order given does not matter


def scores(found: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(key, round(score, 6)) for key, score in found]


def test_bm25_scores_match_the_example_computed_by_hand() -> None:
    built = index()
    assert scores(built.similar("a")) == [("b", 0.835575)]
    assert scores(built.similar("c")) == [("d", 0.871385), ("b", 0.575443)]
    assert built.similar("d") == [("c", pytest.approx(LN2))]


def test_equal_scores_are_ordered_by_key_and_the_turn_itself_is_never_found() -> None:
    found = index().similar("b")
    assert [key for key, _ in found] == ["a", "c"]
    assert found[0][1] == found[1][1] == pytest.approx(LN2)
    assert all(key != "b" for key, _ in found)


def test_top_and_the_number_of_query_terms_bound_the_answer() -> None:
    built = index()
    assert [key for key, _ in built.similar("c", top=1)] == ["d"]
    assert built.query_terms("b") == ["pain", "sleep"]  # by weight: 0.835575, then 0.575443
    assert built.query_terms("b", most=1) == ["pain"]
    assert [key for key, _ in built.similar("b", most=1)] == ["a"]  # c shares only sleep, left out of the query


def test_a_turn_without_words_finds_nothing() -> None:
    built = build_index([("x", "Yes. Okay, um..."), ("y", "the pain")])
    assert built.terms_of("x") == {}
    assert built.similar("x") == []
    assert "y" in built and "z" not in built and len(built) == 2


def test_two_turns_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError):
        BM25Index([("a", ["x"]), ("a", ["y"])])


def test_tokens_are_casefolded_words_with_inner_apostrophes() -> None:
    assert tokenize("Don't STOP\u2014the client\u2019s PAIN, pain_2 'quoted' Stra\u00dfe caf\u00e9's 3rd") == [
        "stop",
        "client's",
        "pain",
        "pain",
        "2",
        "quoted",
        "strasse",
        "caf\u00e9's",
        "3rd",
    ]


def test_tuple_keys_sort_naturally_by_transcript_then_turn() -> None:
    built = build_index([(("t2", 1), "warm breath"), (("t1", 9), "warm breath"), (("t1", 2), "warm breath")])
    assert [key for key, _ in built.similar(("t2", 1))] == [("t1", 2), ("t1", 9)]
