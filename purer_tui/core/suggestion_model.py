"""Suggested codes: a naive Bayes model per code, learned from one coder's own settled decisions.

Pure Python, no dependency: the model is a few word counts per code (a
machine-learning library would add a large download and native code to an
app that otherwise installs in seconds, for a computation of a few dozen
lines), it is trained on this machine from the study's own words, and it is
deterministic, so a suggestion can be explained and reproduced.

Each code c is its own two-class problem: a turn carries c, or does not
(codes are not exclusive in general, so a turn may get several). The turn is
a bag of its `core.similarity.tokenize` terms, and each class is a
multinomial over them with add-one (Laplace) smoothing, as in Manning,
Raghavan and Schütze, "Introduction to Information Retrieval" (2008),
section 13.2, equations 13.3 and 13.7:

    P(class)        = N_class / N
    P(t | class)    = (T_class,t + 1) / (sum over t' in V of T_class,t' + |V|)
    log odds(c | d) = log P(yes) - log P(no) + sum over terms t of d (with repeats) of
                      log P(t | yes) - log P(t | no)
    P(c | d)        = 1 / (1 + exp(-log odds))

where N_class is the number of training turns of the class, T_class,t how
often term t occurs in them, and V the training vocabulary (the terms of the
turns the code could apply to); a term of d not in V is left out, as the
book's ApplyMultinomialNB does. A code is trained only on the turns of the
speaker roles its group is for (the codebook group's `roles`), so a
participant's code never learns from the therapist's turns.

What is suggested for a turn: the codes whose P(c | d) > 0.5, of the groups
for the turn's speaker role, at most one per exclusive group (the most
probable; a tie goes to the earlier code in the codebook), never a code that
was split (`split_into`: it is applied no more), and only codes that at least
MIN_POSITIVES training turns carry.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from purer_tui.core.codebook import Codebook
from purer_tui.core.errors import PurerError
from purer_tui.core.similarity import tokenize

#: A code is learned only from at least this many training turns that carry it.
MIN_POSITIVES = 3
#: A code is suggested when the model gives it a probability above this.
THRESHOLD = 0.5
#: (code, word) counts training may hold: about 100 bytes each, so some 600 MB at most whatever a study holds.
MAX_CODE_TERMS = 6_000_000
#: Log odds beyond this are certainties already: bounding them keeps exp() finite.
_MAX_LOG_ODDS = 700.0


@dataclass(frozen=True)
class TrainingTurn:
    """One settled decision: the turn's terms (`tokenize`), its speaker's role (None: no role), the codes."""

    terms: Sequence[str]
    role: str | None
    codes: Sequence[str]


@dataclass(frozen=True)
class Suggestion:
    code: str
    probability: float


class _CodeModel:
    """One code's two classes: log prior odds, and its terms' log likelihood ratios, kept sparse.

    A term the code's turns never use has the ratio -log(yes total) - log(T_no,t + 1) + log(no total), where
    T_no,t is then the term's count over all the turns of the code's roles: so only the code's own terms are kept
    per code, and every other term's ratio comes from the counts its roles share (`log_counts`). Memory grows with
    the words of the turns each code is on, never with codes times the whole vocabulary.
    """

    __slots__ = ("code", "log_prior_odds", "ratios", "positives", "negatives", "absent", "log_counts")

    def __init__(
        self,
        code: str,
        positives: int,
        negatives: int,
        log_prior_odds: float,
        absent: float,
        log_counts: dict[str, float],
    ):
        self.code = code
        self.positives = positives
        self.negatives = negatives
        self.log_prior_odds = log_prior_odds
        self.ratios: dict[str, float] = {}  # log P(t | yes) - log P(t | no), for the terms of the code's turns
        self.absent = absent  # -log(yes total) + log(no total): a term of V the code's turns never use, before...
        self.log_counts = log_counts  # ...its own -log(T_t + 1), shared by the codes of the same roles

    def ratio(self, term: str) -> float | None:
        """log P(t | yes) - log P(t | no); None for a term outside V."""
        ratio = self.ratios.get(term)
        if ratio is not None:
            return ratio
        log_count = self.log_counts.get(term)
        return None if log_count is None else self.absent - log_count

    def probability(self, counts: Counter[str]) -> float:
        log_odds = self.log_prior_odds
        for term, count in counts.items():
            ratio = self.ratio(term)
            if ratio is not None:  # a term outside V is left out
                log_odds += count * ratio
        return _logistic(log_odds)


def _too_large() -> PurerError:
    return PurerError(
        f"the coding is too large to learn from: more than {MAX_CODE_TERMS:,} words counted over the codes of the "
        "turns (many codes, or many groups of different roles, on long turns); suggestions need a smaller study "
        "or codebook"
    )


def _logistic(log_odds: float) -> float:
    log_odds = max(-_MAX_LOG_ODDS, min(_MAX_LOG_ODDS, log_odds))
    return 1.0 / (1.0 + math.exp(-log_odds))


class SuggestionModel:
    """The codes a coder would likely apply to a turn, learned from their settled turns."""

    def __init__(self, codebook: Codebook, models: dict[str, _CodeModel], turns: int):
        self.codebook = codebook
        self._models = models  # the codes learned, in codebook order
        self._order = {code: position for position, code in enumerate(models)}
        self.turns = turns  # how many turns it was trained on

    @classmethod
    def train(cls, codebook: Codebook, turns: Iterable[TrainingTurn]) -> SuggestionModel:
        """Count each code's terms over the turns (one pass; a turn's terms are added once per code it carries)."""
        # Per role: how many turns, and every term's count; per code: the same over the turns carrying it.
        role_turns: Counter[str | None] = Counter()
        role_terms: dict[str | None, Counter[str]] = {}
        code_turns: Counter[str] = Counter()
        code_terms: dict[str, Counter[str]] = {}
        applicable = {code.id for code in codebook.codes if not code.split_into}
        counted = 0  # (code, term) pairs counted, at most: what the model's memory grows with
        for turn in turns:
            counts = Counter(turn.terms)
            role_turns[turn.role] += 1
            role_terms.setdefault(turn.role, Counter()).update(counts)
            for code_id in set(turn.codes):
                if code_id in applicable and codebook.group(codebook.code(code_id).group).applies_to(turn.role):
                    code_turns[code_id] += 1
                    code_terms.setdefault(code_id, Counter()).update(counts)
                    counted += len(counts)
            if counted > MAX_CODE_TERMS:
                raise _too_large()
        models: dict[str, _CodeModel] = {}
        # a group's roles -> its turns, terms and each term's log(count + 1), shared by the codes of those roles
        by_roles: dict[tuple[str | None, ...], tuple[int, Counter[str], dict[str, float]]] = {}
        for code in codebook.codes:
            positives = code_turns[code.id]
            if code.id not in applicable or positives < MIN_POSITIVES:
                continue
            group = codebook.group(code.group)
            # keyed by the roles of the training turns it takes (never by how the codebook spells its roles): the
            # copies of the counts are as many as the distinct sets of roles spoken, not as the groups
            roles = [role for role in role_turns if group.applies_to(role)]
            key = tuple(sorted(roles, key=lambda role: (role is None, role or "")))
            if key not in by_roles:
                total: Counter[str] = Counter()
                for role in roles:
                    total.update(role_terms[role])
                counted += 2 * len(total)  # the counts and their logs
                if counted > MAX_CODE_TERMS:
                    raise _too_large()
                logs = {term: math.log(count + 1) for term, count in total.items()}
                by_roles[key] = (sum(role_turns[role] for role in roles), total, logs)
            all_turns, all_terms, log_counts = by_roles[key]
            negatives = all_turns - positives
            yes_terms = code_terms[code.id]
            vocabulary_size = len(all_terms)
            yes_total = sum(yes_terms.values()) + vocabulary_size
            no_total = sum(all_terms.values()) - sum(yes_terms.values()) + vocabulary_size
            if negatives == 0:  # every turn of its roles carries it: the prior alone says so, near certainly
                log_prior_odds = _MAX_LOG_ODDS
            else:
                log_prior_odds = math.log(positives) - math.log(negatives)
            log_yes_total, log_no_total = math.log(yes_total), math.log(no_total)
            model = _CodeModel(code.id, positives, negatives, log_prior_odds, log_no_total - log_yes_total, log_counts)
            for term, yes in yes_terms.items():
                count = all_terms[term]
                model.ratios[term] = (math.log(yes + 1) - log_yes_total) - (math.log(count - yes + 1) - log_no_total)
            models[code.id] = model
        return cls(codebook, models, sum(role_turns.values()))

    @property
    def codes(self) -> list[str]:
        """The codes learned (enough training turns carry them), in codebook order."""
        return list(self._models)

    def positives(self, code: str) -> int:
        """How many training turns carry a learned code."""
        return self._models[code].positives

    def probabilities(self, terms: Sequence[str], role: str | None) -> list[Suggestion]:
        """P(code | turn) for every learned code whose group is for the role, in codebook order."""
        counts = Counter(terms)
        codebook = self.codebook
        return [
            Suggestion(code, model.probability(counts))
            for code, model in self._models.items()
            if codebook.group(codebook.code(code).group).applies_to(role)
        ]

    def suggest_terms(self, terms: Sequence[str], role: str | None) -> list[Suggestion]:
        """The codes to suggest for a turn of these terms (see the module's docstring), in codebook order."""
        codebook = self.codebook
        chosen: dict[str, Suggestion] = {}  # an exclusive group's id, or the code's own id -> the suggestion
        for suggestion in self.probabilities(terms, role):
            if suggestion.probability <= THRESHOLD:
                continue
            group = codebook.group(codebook.code(suggestion.code).group)
            slot = f"group:{group.id}" if group.exclusive else f"code:{suggestion.code}"
            if slot not in chosen or suggestion.probability > chosen[slot].probability:  # a tie: the earlier
                chosen[slot] = suggestion
        return sorted(chosen.values(), key=lambda suggestion: self._order[suggestion.code])

    def suggest(self, text: str, role: str | None) -> list[Suggestion]:
        """The codes to suggest for a turn's text spoken in a role."""
        return self.suggest_terms(tokenize(text), role)
