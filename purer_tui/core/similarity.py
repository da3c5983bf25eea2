"""Lexical similarity between turns: a tokenizer and a BM25 index, computed locally from the study's own words.

"Turns like this one" lets a coder check their own consistency: the turns
across the study that use the same words most distinctively. BM25 (Robertson
and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009)
needs no model and no download, and builds in one pass over the words.

The index keeps, per term, the postings of the turns that contain it (turn,
term frequency). A query is a turn of the index itself, represented by its own
most distinctive terms (a bounded number, so a very long turn costs bounded
time); the turn itself is never among the answers.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

    Key = TypeVar("Key", bound=SupportsRichComparison)
else:
    Key = TypeVar("Key", bound=Hashable)

#: BM25's term-frequency saturation and length normalisation, the usual values.
K1 = 1.2
B = 0.75
#: A query uses at most this many of the turn's terms: the highest-weighted ones.
QUERY_TERMS = 32

#: A word: letters and digits, with apostrophes inside it kept ("don't", "client's"), casefolded.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
#: Words too common in conversation to say anything about a turn.
STOP_WORDS = frozenset(
    """
    a about after again all also am an and any are as at be because been before being but by can could did do
    does doing don't for from had has have having he her here hers him his how i i'm if in into is it it's its
    just me my myself no nor not now of off on once only or other our ours out over own same she so some such
    than that that's the their theirs them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yeah yes oh um uh okay
    ok mm hmm
    """.split()
)


def tokenize(text: str) -> list[str]:
    """The words of `text` that can tell turns apart: casefolded, stop words left out, in order."""
    words = _WORD.findall(text.casefold().translate(_APOSTROPHES))
    return [word for word in words if word not in STOP_WORDS]


class BM25Index(Generic[Key]):
    """Turns (any sortable keys) and their terms, searchable by similarity to one of them.

    A turn D's score for a query of terms q1..qn is

        score(D) = sum over i of  IDF(qi) * f(qi, D) * (k1 + 1) / (f(qi, D) + k1 * (1 - b + b * |D| / avgdl))
        IDF(q)   = ln(1 + (N - n(q) + 0.5) / (n(q) + 0.5))

    where f(q, D) is how often q occurs in D, |D| is D's number of terms, avgdl the mean over the N turns,
    and n(q) the number of turns holding q (this IDF is never negative, as in Lucene). A query turn's terms are
    weighted by the same expression with D the query turn; the highest QUERY_TERMS of them make the query.
    """

    def __init__(self, documents: Iterable[tuple[Key, Sequence[str]]]):
        ordered = sorted(documents, key=lambda document: document[0])  # ties are then broken by key, for free
        self.keys: list[Key] = [key for key, _ in ordered]
        self._position = {key: position for position, key in enumerate(self.keys)}
        if len(self._position) != len(self.keys):
            raise ValueError("two turns have the same key")
        self._postings: dict[str, list[tuple[int, int]]] = {}
        self._frequencies: list[Counter[str]] = []
        lengths = []
        for position, (_, terms) in enumerate(ordered):
            counts = Counter(terms)
            self._frequencies.append(counts)
            lengths.append(len(terms))
            for term, count in counts.items():
                postings = self._postings.get(term)
                if postings is None:
                    self._postings[term] = [(position, count)]
                else:
                    postings.append((position, count))
        count = len(self.keys)
        average = sum(lengths) / count if count and sum(lengths) else 1.0
        #: k1 * (1 - b + b * |D| / avgdl) for each turn: the only part of the score that depends on its length.
        self._norms = [K1 * (1 - B + B * length / average) for length in lengths]
        self._idf = {
            term: math.log(1 + (count - len(postings) + 0.5) / (len(postings) + 0.5))
            for term, postings in self._postings.items()
        }

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self._position

    def terms_of(self, key: Key) -> Counter[str]:
        """How often each term occurs in turn `key` (a KeyError for a turn not in the index)."""
        return self._frequencies[self._position[key]]

    def query_terms(self, key: Key, most: int = QUERY_TERMS) -> list[str]:
        """The turn's `most` highest-weighted terms, by weight, then alphabetically."""
        position = self._position[key]
        norm = self._norms[position]
        weights = [
            (self._idf[term] * count * (K1 + 1) / (count + norm), term)
            for term, count in self._frequencies[position].items()
        ]
        return [term for _, term in heapq.nsmallest(most, weights, key=lambda pair: (-pair[0], pair[1]))]

    def similar(self, key: Key, top: int = 10, most: int = QUERY_TERMS) -> list[tuple[Key, float]]:
        """The `top` turns most similar to turn `key`, best first (equal scores by key); never the turn itself.

        Only turns sharing at least one query term are returned (a turn of stop words only finds none).
        """
        position = self._position[key]
        scores: dict[int, float] = {}
        norms = self._norms
        for term in self.query_terms(key, most):
            idf = self._idf[term]
            for other, count in self._postings[term]:
                scores[other] = scores.get(other, 0.0) + idf * count * (K1 + 1) / (count + norms[other])
        scores.pop(position, None)
        best = heapq.nsmallest(top, scores.items(), key=lambda item: (-item[1], item[0]))
        return [(self.keys[other], score) for other, score in best]


def build_index(texts: Iterable[tuple[Key, str]]) -> BM25Index[Key]:
    """An index of (key, text) pairs, each text tokenized."""
    return BM25Index((key, tokenize(text)) for key, text in texts)
