"""The suggestion model: naive Bayes per code, checked against a small example computed by hand."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from purer_tui.core.codebook import Codebook, load_codebook
from purer_tui.core.suggestion_model import MIN_POSITIVES, SuggestionModel, TrainingTurn
from tests.conftest import write

CODEBOOK = """
[codebook]
name = "fruit"

[groups.talk]
label = "Talk"

[groups.mood]
label = "Mood"
exclusive = true
roles = ["participant"]

[codes.a]
group = "talk"
label = "A"
definition = "apples"

[codes.b]
group = "talk"
label = "B"
definition = "seldom"

[codes.happy]
group = "mood"
label = "Happy"
definition = "happy"

[codes.glad]
group = "mood"
label = "Glad"
definition = "glad"

[codes.old]
group = "talk"
label = "Old"
definition = "split"
split_into = ["a"]
"""


@pytest.fixture
def codebook(tmp_path: Path) -> Codebook:
    return load_codebook(write(tmp_path / "codebook.toml", CODEBOOK))


def turn(text: str, *codes: str, role: str | None = None) -> TrainingTurn:
    return TrainingTurn(text.split(), role, codes)


# Five turns; code a on three of them. V = {apple, banana, cherry}, |V| = 3.
#   yes (turns 1-3): apple 4, banana 1, cherry 1 -> 6 terms; no (turns 4-5): banana 1, cherry 2 -> 3 terms
#   P(apple | yes)  = (4 + 1) / (6 + 3) = 5/9     P(apple | no)  = (0 + 1) / (3 + 3) = 1/6
#   P(banana | yes) = (1 + 1) / 9 = 2/9           P(banana | no) = (1 + 1) / 6 = 2/6
#   P(cherry | yes) = (1 + 1) / 9 = 2/9           P(cherry | no) = (2 + 1) / 6 = 3/6
#   P(yes) / P(no) = 3/5 / 2/5 = 3/2
# "apple cherry": odds = 3/2 * (5/9)/(1/6) * (2/9)/(3/6) = 3/2 * 10/3 * 4/9 = 20/9, P = 20/29 (suggested)
# "cherry":       odds = 3/2 * (2/9)/(3/6) = 2/3, P = 2/5 (not suggested)
# "durian":       not in V, left out: odds = 3/2, P = 3/5 (the prior alone)
HAND = [
    turn("apple apple banana", "a"),
    turn("apple cherry", "a"),
    turn("apple", "a"),
    turn("banana cherry"),
    turn("cherry"),
]


def probability(odds: Fraction) -> float:
    return float(odds / (1 + odds))


def test_the_probabilities_are_the_ones_computed_by_hand(codebook: Codebook) -> None:
    model = SuggestionModel.train(codebook, HAND)
    assert model.codes == ["a"]
    assert model.positives("a") == 3
    [apple_cherry] = model.probabilities(["apple", "cherry"], None)
    assert apple_cherry.code == "a"
    assert apple_cherry.probability == pytest.approx(probability(Fraction(20, 9)), rel=1e-12)
    assert model.probabilities(["cherry"], None)[0].probability == pytest.approx(0.4, rel=1e-12)
    assert model.probabilities(["durian"], None)[0].probability == pytest.approx(0.6, rel=1e-12)
    assert [(s.code, round(s.probability, 4)) for s in model.suggest_terms(["apple", "cherry"], None)] == [
        ("a", 0.6897)
    ]
    assert model.suggest_terms(["cherry"], None) == []


def test_repeated_terms_count_as_often_as_they_occur(codebook: Codebook) -> None:
    model = SuggestionModel.train(codebook, HAND)
    # "cherry cherry": odds = 3/2 * (4/9)^2 = 8/27
    assert model.probabilities(["cherry", "cherry"], None)[0].probability == pytest.approx(
        probability(Fraction(8, 27)), rel=1e-12
    )


def test_the_text_is_tokenized_as_the_similarity_index_does(codebook: Codebook) -> None:
    model = SuggestionModel.train(codebook, HAND)
    assert [s.code for s in model.suggest("The APPLE, and the cherry!", None)] == ["a"]


def test_a_code_on_fewer_than_min_positives_turns_is_never_learned(codebook: Codebook) -> None:
    turns = [*HAND, *(turn("seldom word", "b") for _ in range(MIN_POSITIVES - 1))]
    model = SuggestionModel.train(codebook, turns)
    assert model.codes == ["a"]
    assert model.suggest_terms(["seldom", "word"], None) == []
    model = SuggestionModel.train(codebook, [*turns, turn("seldom word", "b")])
    assert model.codes == ["a", "b"]
    assert [s.code for s in model.suggest_terms(["seldom", "word"], None)] == ["b"]


def test_a_split_code_is_never_learned_nor_suggested(codebook: Codebook) -> None:
    model = SuggestionModel.train(codebook, [turn("pear pear", "old") for _ in range(5)] + HAND)
    assert "old" not in model.codes
    assert all(s.code != "old" for s in model.probabilities(["pear"], None))


def test_a_group_for_a_role_learns_and_suggests_only_on_that_role_s_turns(codebook: Codebook) -> None:
    participant = [turn("sunny smile", "happy", role="participant") for _ in range(3)]
    participant += [turn("rain grey", role="participant") for _ in range(3)]
    # the therapist's turns carrying "happy" (a mistake, or another role) are not for the code: never learned from
    therapist = [turn("rain grey", "happy", role="staff") for _ in range(10)]
    model = SuggestionModel.train(codebook, participant + therapist)
    assert model.positives("happy") == 3
    assert [s.code for s in model.suggest_terms(["sunny"], "participant")] == ["happy"]
    assert model.suggest_terms(["sunny"], "staff") == []
    assert all(s.code != "happy" for s in model.probabilities(["sunny"], "staff"))
    assert model.suggest_terms(["rain"], "participant") == []


def test_an_exclusive_group_gets_at_most_its_most_probable_code(codebook: Codebook) -> None:
    for happy, glad, most_probable in ((5, 4, "happy"), (4, 5, "glad")):
        turns = [turn("sunny smile", "happy", role="participant") for _ in range(happy)]
        turns += [turn("sunny joy", "glad", role="participant") for _ in range(glad)]
        turns += [turn("rain", role="participant") for _ in range(6)]
        model = SuggestionModel.train(codebook, turns)
        query = ["sunny"] * 4
        probabilities = {s.code: s.probability for s in model.probabilities(query, "participant")}
        assert probabilities["happy"] > 0.5 and probabilities["glad"] > 0.5
        assert [s.code for s in model.suggest_terms(query, "participant")] == [most_probable]


def test_training_is_deterministic(codebook: Codebook) -> None:
    turns = [*HAND, *(turn("seldom apple", "a", "b") for _ in range(4))]
    first = SuggestionModel.train(codebook, turns).probabilities(["apple", "seldom", "cherry"], None)
    second = SuggestionModel.train(codebook, list(reversed(turns))).probabilities(["apple", "seldom", "cherry"], None)
    assert [s.code for s in first] == [s.code for s in second]
    assert [s.probability for s in first] == pytest.approx([s.probability for s in second], rel=1e-12)


def test_memory_grows_with_each_codes_own_words_and_is_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """200 codes over 400 turns of words no other turn uses: each code keeps only its own turns' words (a pushed
    codebook of many codes once cost codes x vocabulary, gigabytes), and past the bound training is refused."""
    from purer_tui.core import suggestion_model
    from purer_tui.core.errors import PurerError

    text = '[codebook]\nname = "c"\n[groups.g]\nlabel = "G"\n' + "".join(
        f'[codes.c{i}]\ngroup = "g"\nlabel = "C{i}"\ndefinition = "d"\n' for i in range(200)
    )
    codebook = load_codebook(write(tmp_path / "c.toml", text))
    turns = [
        TrainingTurn([f"w{n}x{j}" for j in range(50)], None, [f"c{(n + k) % 200}" for k in range(5)])
        for n in range(400)
    ]
    model = SuggestionModel.train(codebook, turns)
    kept = sum(len(model._models[code].ratios) for code in model.codes)
    assert kept == 400 * 50 * 5  # each code: the words of its own turns, not the 20,000 of the study
    monkeypatch.setattr(suggestion_model, "MAX_CODE_TERMS", kept - 1)
    with pytest.raises(PurerError, match="too large to learn from"):
        SuggestionModel.train(codebook, turns)


def test_groups_that_spell_the_same_roles_differently_share_one_copy_of_the_counts(tmp_path: Path) -> None:
    """A pushed codebook once made one copy of the whole vocabulary's counts per group (`roles` repeated k times
    spelt a new key each time): gigabytes for a few hundred groups."""
    participant = '"participant"'
    text = '[codebook]\nname = "c"\n' + "".join(
        f'[groups.g{i}]\nlabel = "G{i}"\nroles = [{", ".join([participant] * (i + 1))}, "nobody-says-this"]\n'
        f'[codes.c{i}]\ngroup = "g{i}"\nlabel = "C{i}"\ndefinition = "d"\n'
        for i in range(40)
    )
    codebook = load_codebook(write(tmp_path / "c.toml", text))
    turns = [TrainingTurn([f"w{n}", "pain"], "participant", [f"c{n % 40}"]) for n in range(200)] + [
        TrainingTurn([f"s{n}"], "staff", []) for n in range(50)
    ]
    model = SuggestionModel.train(codebook, turns)
    assert len(model.codes) == 40
    assert len({id(model._models[code].log_counts) for code in model.codes}) == 1
