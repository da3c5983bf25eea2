"""Turns like this one: the turns across a study most similar to one turn, with a coder's codes on each.

The words of every transcript are kept in this clone's similarity cache
(`.purer/cache/`, never in git), one file per transcript, so that asking
again reads the cache rather than parsing the study. Each file carries the
signature (modification time, size, inode) of the transcript it was made
from: a transcript that changed is read and tokenized again, the rest reused.
Each file is signed with the key in the user's own state folder, exactly as
the study index is: a file that came with a pull, was planted, damaged, is
over its bound or names another transcript is ignored and made again. The
cache holds the transcript's words, so it is never more readable than the
transcript (nor than the study file), and it is never written outside the
study.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.clone_state import CACHE_FOLDER, CloneState
from purer_tui.core.errors import UsageError, display_path
from purer_tui.core.similarity import BM25Index, tokenize
from purer_tui.core.study import Study
from purer_tui.core.study_coders import coders_with_files
from purer_tui.core.study_files import Signature, file_signature
from purer_tui.core.transcript import Transcript, load_transcript
from purer_tui.core.user_state import signed_text, verified_payload

CACHE_PREFIX = "similar-"
CACHE_VERSION = 1
#: A transcript's cache holds at most its words (64 MiB at most) and a few bytes per turn.
MAX_CACHE_BYTES = 80 * 1024 * 1024
#: The first line of a cache file: what it is, and the signature of the JSON after it with this user's key.
_SIGNED = "purer-tui similarity cache "

#: A turn of the study: the transcript's path within the study (with /) and the turn's number.
TurnKey = tuple[str, int]


@dataclass(frozen=True)
class SimilarTurn:
    """One turn found like the asked one, and what the coder decided there."""

    transcript: Path
    name: str  # the transcript's path within the study
    turn: int
    speaker: str
    text: str
    score: float
    codes: tuple[str, ...] | None  # None: the coder has not reviewed this turn
    flagged: bool = False


@dataclass(frozen=True)
class SimilarTurns:
    """The turn asked about, what its coder decided there, and the turns like it, best first."""

    asked: SimilarTurn
    coder: str
    found: list[SimilarTurn]
    reused: int  # transcripts whose words came from the cache
    indexed: int  # transcripts read and tokenized afresh


class StudyWords:
    """Every turn's words of a study, read through the similarity cache."""

    def __init__(self, study: Study):
        self.study = study
        self.root = study.root.absolute()
        self._cache = CloneState(self.root, CACHE_FOLDER)
        self.reused = 0
        self.indexed = 0
        # Each transcript's words as last read, by its path within the study, with the signature they were
        # read at: building the index again (the app asks again) reads only the transcripts changed since.
        self._kept: dict[str, tuple[Signature, list[list[str]]]] = {}

    def index(self) -> BM25Index[TurnKey]:
        """The BM25 index of every turn of the study, the cache refreshed on the way."""
        paths = self.study.transcript_paths()
        documents: list[tuple[TurnKey, list[str]]] = []
        kept = set()
        for path in paths:
            name = self.name_of(path)
            kept.add(_cache_name(name))
            for number, terms in enumerate(self._words(path, name), start=1):
                documents.append(((name, number), terms))
        for stale in self._cache.names(CACHE_PREFIX):
            if stale not in kept:
                self._cache.remove(stale)  # a transcript gone from the study takes its words with it
        for gone in set(self._kept) - {self.name_of(path) for path in paths}:
            del self._kept[gone]
        return BM25Index(documents)

    def name_of(self, path: Path) -> str:
        return Path(os.path.relpath(os.path.normpath(path.absolute()), self.root)).as_posix()

    def _words(self, path: Path, name: str) -> list[list[str]]:
        signature = file_signature(path, follow_links=True)
        kept = self._kept.get(name)
        if kept is not None and signature is not None and kept[0] == signature:
            self.reused += 1
            return kept[1]
        cached = self._read(name, signature)
        if cached is not None:
            self.reused += 1
            self._keep(name, signature, cached)
            return cached
        transcript = load_transcript(path)
        words = [tokenize(turn.text) for turn in transcript.turns]
        self.indexed += 1
        if signature is not None and signature == file_signature(path, follow_links=True):  # unchanged meanwhile
            payload = json.dumps(
                {
                    "version": CACHE_VERSION,
                    "transcript": name,
                    "signature": list(signature),
                    "turns": [" ".join(terms) for terms in words],
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            signed = signed_text(_SIGNED, payload + "\n")
            if signed is not None:
                self._cache.write(_cache_name(name), signed, reference=path)
            self._keep(name, signature, words)
        return words

    def _keep(self, name: str, signature: Signature | None, words: list[list[str]]) -> None:
        if signature is not None:
            self._kept[name] = (signature, words)

    def _read(self, name: str, signature: Signature | None) -> list[list[str]] | None:
        """The transcript's words from its cache file; None unless the file is this user's, for this transcript
        as it is now, and well formed."""
        if signature is None:
            return None
        payload = verified_payload(_SIGNED, self._cache.read(_cache_name(name), MAX_CACHE_BYTES))
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("version") != CACHE_VERSION
            or data.get("transcript") != name
            or data.get("signature") != list(signature)
            or not isinstance(data.get("turns"), list)
            or not all(isinstance(turn, str) for turn in data["turns"])
        ):
            return None
        return [turn.split() for turn in data["turns"]]


def _cache_name(name: str) -> str:
    """A transcript's cache file: named by a digest of its path, so no name in the study shapes a file name."""
    return f"{CACHE_PREFIX}{hashlib.sha256(name.encode('utf-8')).hexdigest()[:40]}.json"


def find_similar_turns(
    study: Study,
    transcript: Path,
    turn: int,
    coder: str,
    top: int = 10,
) -> SimilarTurns:
    """The `top` turns of `study` most like turn `turn` of `transcript`, each with `coder`'s codes."""
    path = study.transcript_named(transcript)
    asked = _asked_transcript(path, turn)
    known = coders_with_files(study.transcript_paths())
    if known and coder not in known:  # a typo, or the login name of someone who codes under another id
        raise UsageError(f'no coder "{coder}" in this study (its coders: {", ".join(known)}); name one with --coder')
    return SimilarityIndex(study).find(path, turn, coder, top, asked)


def _asked_transcript(path: Path, turn: int) -> Transcript:
    """The transcript of the turn asked about, once its turn is known to be in it."""
    transcript = load_transcript(path)
    if not 1 <= turn <= len(transcript.turns):
        raise UsageError(
            f"{display_path(path)} has {len(transcript.turns)} turn(s); "
            f"turn {turn} is out of range, name one from 1 to {len(transcript.turns)}"
        )
    return transcript


class SimilarityIndex:
    """The study's index, kept between questions (the coding app asks again and again): each question
    looks at every transcript's signature, and reads and indexes again only when one changed."""

    def __init__(self, study: Study):
        self.study = study
        self._words = StudyWords(study)
        self._index: BM25Index[TurnKey] | None = None
        self._signatures: dict[Path, Signature | None] = {}

    def name_of(self, path: Path) -> str:
        """A transcript's path within the study, with /, as the turns found name it."""
        return self._words.name_of(path)

    def refresh(self) -> BM25Index[TurnKey]:
        """The index of the study as it is now: the one built last, unless a transcript changed, came or went."""
        paths = self.study.transcript_paths()
        signatures = {path: file_signature(path, follow_links=True) for path in paths}
        if self._index is None or signatures != self._signatures or None in signatures.values():
            self._index = self._words.index()
            self._signatures = signatures
        return self._index

    def find(
        self, transcript: Path, turn: int, coder: str, top: int = 10, loaded: Transcript | None = None
    ) -> SimilarTurns:
        """The `top` turns most like turn `turn` of `transcript` (a transcript of the study), each with `coder`'s
        codes as its annotation file says. `loaded`: that transcript, already read."""
        self._words.reused = self._words.indexed = 0
        asked_transcript = loaded or _asked_transcript(transcript, turn)
        index = self.refresh()
        words = self._words
        name = words.name_of(transcript)
        found_keys = index.similar((name, turn), top) if (name, turn) in index else []
        by_name = {words.name_of(path): path for path in self._signatures}
        decisions = _Decisions(coder)
        transcripts: dict[str, Transcript] = {name: asked_transcript}
        asked = decisions.describe(transcript, name, asked_transcript, turn, 0.0)
        found = []
        for (other, number), score in found_keys:
            if other not in transcripts:
                transcripts[other] = load_transcript(by_name[other])
            if number <= len(transcripts[other].turns):  # else it changed since it was indexed, a moment ago
                found.append(decisions.describe(by_name[other], other, transcripts[other], number, score))
        return SimilarTurns(asked, coder, found, words.reused, words.indexed)


class _Decisions:
    """A coder's decisions, each annotation file read once."""

    def __init__(self, coder: str):
        self.coder = coder
        self._files: dict[Path, AnnotationFile] = {}

    def describe(self, path: Path, name: str, transcript: Transcript, number: int, score: float) -> SimilarTurn:
        if path not in self._files:
            self._files[path] = AnnotationFile.open(annotation_path(path, self.coder))
        record = self._files[path].get(number)
        turn = transcript.turn(number)
        codes: Sequence[str] | None = None if record is None or not record.reviewed else record.codes
        return SimilarTurn(
            path,
            name,
            number,
            turn.speaker,
            turn.text,
            score,
            None if codes is None else tuple(codes),
            record is not None and record.flag,
        )
