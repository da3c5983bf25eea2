"""Suggested codes from a coder's own decisions: training data, an honest evaluation, and whether to show them.

The model (`core.suggestion_model`) learns from one coder's settled turns
across the study (reviewed, not flagged, not in a merge conflict, and still
matching their transcript): it suggests what this coder has done before,
never what another coder would. `evaluate` holds out part of those turns and
measures how often the model agrees with the coder there, so a team can see
what the suggestions are worth on their own study before turning them on.

Whether the coding app shows the model's suggestions is the study's
decision first (`suggest` in the study file), then the coder's own, which
only counts when adjudicating as the consensus coder (`suggestions_enabled`).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.agreement.statistics import cohen_kappa_of
from purer_tui.core.annotation_paths import AnnotationFinder, annotation_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.bulk_loading import collector_paused
from purer_tui.core.case_metadata import speaker_role
from purer_tui.core.codebook import Codebook
from purer_tui.core.coders import CONSENSUS_CODER
from purer_tui.core.errors import PurerError, UsageError, display_path
from purer_tui.core.reanchor import is_stale
from purer_tui.core.similarity import tokenize
from purer_tui.core.study import Study
from purer_tui.core.study_coders import coders_with_files
from purer_tui.core.suggestion_model import MIN_POSITIVES, Suggestion, SuggestionModel, TrainingTurn
from purer_tui.core.transcript import Transcript, load_transcript
from purer_tui.core.user_settings import UserSettings

#: The model is trained (and evaluated) only on at least this many settled turns.
MIN_TURNS = 20
#: With at least this many coded transcripts, `evaluate` holds out whole transcripts, else single turns.
MIN_TRANSCRIPTS_TO_SPLIT = 5


@dataclass(frozen=True)
class CodedTurn:
    """One settled turn of the coder's: where it is, and what the model learns from it."""

    transcript: str  # the transcript's path within the study, with /
    turn: int
    example: TrainingTurn
    suggested: bool = False  # some of its codes were applied from a suggestion (the record's "suggested")


@dataclass
class TrainingData:
    coder: str
    codebook: Codebook
    turns: list[CodedTurn] = field(default_factory=list)
    transcripts: int = 0  # transcripts with at least one settled turn of the coder's

    @property
    def learned_from(self) -> int:
        """The turns the model learns from: settled, none of their codes accepted from a suggestion."""
        return sum(not turn.suggested for turn in self.turns)


def role_finder(study: Study) -> Callable[[str], str | None]:
    """Each speaker's role (None when the study names no roles), worked out once per speaker."""
    roles: dict[str, str | None] = {}

    def role_of(speaker: str) -> str | None:
        if speaker not in roles:
            roles[speaker] = speaker_role(study, speaker) if study.roles else None
        return roles[speaker]

    return role_of


def check_coder(study: Study, coder: str, paths: list[Path]) -> None:
    known = coders_with_files(paths)
    if coder not in known:
        raise UsageError(
            f'no coder "{coder}" in the study {study.name} '
            f"(its coders: {', '.join(known) or 'none yet'}); name one with --coder"
        )


def training_data(study: Study, coder: str) -> TrainingData:
    """Every settled turn of `coder` across the study, with its terms and speaker role."""
    paths = study.transcript_paths()
    check_coder(study, coder, paths)
    data = TrainingData(coder, study.load_codebook())
    role_of = role_finder(study)
    finder = AnnotationFinder()
    root = study.root.absolute()
    with collector_paused():  # a bulk load of the study (see bulk_loading)
        for path in paths:
            file = finder.files(path).get(coder)
            if file is None:
                continue
            records = AnnotationFile.open(file).records
            if not any(record.settled_review for record in records.values()):
                continue
            transcript = load_transcript(path)
            name = Path(os.path.relpath(os.path.normpath(path.absolute()), root)).as_posix()
            before = len(data.turns)
            for number in sorted(records):
                record = records[number]
                if not record.settled_review or is_stale(record, transcript):
                    continue
                turn = transcript.turn(number)
                example = TrainingTurn(tokenize(turn.text), role_of(turn.speaker), record.codes)
                data.turns.append(CodedTurn(name, number, example, bool(record.suggested)))
            data.transcripts += len(data.turns) > before
    return data


def _too_little(data: TrainingData, turns: list[CodedTurn], what: str) -> None:
    """Refuse to train on fewer than MIN_TURNS turns, or on turns with no code carried by MIN_POSITIVES."""
    if len(turns) < MIN_TURNS:
        raise PurerError(
            f"{data.coder} has {len(turns)} settled coded turn(s) {what}; the model needs at least {MIN_TURNS} "
            "(reviewed, not flagged): code more turns first"
        )
    carried: Counter[str] = Counter(code for turn in turns for code in set(turn.example.codes))
    if not any(count >= MIN_POSITIVES for count in carried.values()):
        raise PurerError(
            f"no code is on {MIN_POSITIVES} or more of {data.coder}'s {len(turns)} settled coded turns {what}; "
            f"the model learns a code from at least {MIN_POSITIVES}: code more turns first"
        )


def train(data: TrainingData, turns: list[CodedTurn] | None = None, what: str = "in this study") -> SuggestionModel:
    """The model of the coder's turns (all of them unless `turns`), refused when there are too few. Turns with codes
    accepted from a suggestion are not learned from: the model would learn its own guesses back."""
    chosen = [turn for turn in (data.turns if turns is None else turns) if not turn.suggested]
    _too_little(data, chosen, what)
    model = SuggestionModel.train(data.codebook, (turn.example for turn in chosen))
    if not model.codes:  # codes carried often enough, but split since, or only on turns of other roles
        raise PurerError(
            f"no code the model may suggest is on {MIN_POSITIVES} or more of {data.coder}'s {len(chosen)} "
            f"settled coded turns {what} (split codes and codes on other roles' turns do not count): "
            "code more turns first"
        )
    return model


# --- evaluation ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeFigures:
    """How the model did on one code over the held-out turns (None: undefined)."""

    code: str
    train: int  # training turns carrying the code
    test: int  # held-out turns carrying it
    learned: bool  # enough training turns to be suggested at all
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int

    @property
    def precision(self) -> float | None:
        suggested = self.true_positive + self.false_positive
        return self.true_positive / suggested if suggested else None

    @property
    def recall(self) -> float | None:
        carried = self.true_positive + self.false_negative
        return self.true_positive / carried if carried else None

    @property
    def kappa(self) -> float | None:
        return _kappa(self.true_positive, self.false_positive, self.false_negative, self.true_negative)


def _kappa(true_positive: int, false_positive: int, false_negative: int, true_negative: int) -> float | None:
    """Cohen's kappa of model and coder, code present or absent, over the held-out turns."""
    pairs: Counter[tuple[object, object]] = Counter(
        {
            (True, True): true_positive,
            (True, False): false_positive,
            (False, True): false_negative,
            (False, False): true_negative,
        }
    )
    return cohen_kappa_of(+pairs).value


@dataclass(frozen=True)
class Evaluation:
    coder: str
    seed: int
    by_transcript: bool  # held out whole transcripts (else single turns)
    train_turns: int
    test_turns: int
    train_transcripts: int
    test_transcripts: int
    codes: list[CodeFigures]  # every code carried by a settled turn (and not split), in codebook order
    left_out: int = 0  # held-out turns not compared: codes on them were applied from a suggestion

    @property
    def micro(self) -> CodeFigures:
        """Every listed code's held-out decisions pooled: one figure for how the suggestions do overall."""
        return CodeFigures(
            "all codes",
            sum(code.train for code in self.codes),
            sum(code.test for code in self.codes),
            any(code.learned for code in self.codes),
            sum(code.true_positive for code in self.codes),
            sum(code.false_positive for code in self.codes),
            sum(code.false_negative for code in self.codes),
            sum(code.true_negative for code in self.codes),
        )

    @property
    def split(self) -> str:
        if self.by_transcript:
            split = (
                f"{self.test_transcripts} of {self.train_transcripts + self.test_transcripts} coded transcripts "
                f"held out ({self.test_turns} turns); trained on {self.train_turns} turns"
            )
        else:
            split = (
                f"{self.test_turns} of {self.train_turns + self.test_turns + self.left_out} turns held out at random "
                f"(fewer than {MIN_TRANSCRIPTS_TO_SPLIT} coded transcripts to hold out whole ones)"
            )
        if self.left_out:
            split += (
                f"; {self.left_out} turn(s) left out: codes on them were accepted from a suggestion, "
                "so they are not the coder's own"
            )
        return split


def evaluate(study: Study, coder: str, seed: int = 0, test_share: float = 0.2) -> Evaluation:
    """Train on part of `coder`'s settled turns and compare the model's suggestions with the coder's codes on the
    rest: whole transcripts held out when at least MIN_TRANSCRIPTS_TO_SPLIT are coded (turns of one session
    resemble each other, so holding out turns of it would flatter the model), else single turns; seeded."""
    data = training_data(study, coder)
    _too_little(data, data.turns, "in this study")
    rng = random.Random(seed)
    names = sorted({turn.transcript for turn in data.turns})
    by_transcript = len(names) >= MIN_TRANSCRIPTS_TO_SPLIT
    if by_transcript:
        rng.shuffle(names)
        held = set(names[: _held_out(len(names), test_share)])
        test = [turn for turn in data.turns if turn.transcript in held]
        training = [turn for turn in data.turns if turn.transcript not in held]
    else:
        order = list(range(len(data.turns)))
        rng.shuffle(order)
        held_turns = set(order[: _held_out(len(order), test_share)])
        test = [turn for position, turn in enumerate(data.turns) if position in held_turns]
        training = [turn for position, turn in enumerate(data.turns) if position not in held_turns]
    # A turn whose codes came partly from a suggestion would measure the model against itself (held out), or teach
    # it its own guesses (trained on): neither is the coder's own.
    left_out = sum(turn.suggested for turn in data.turns)
    test_transcripts = len({turn.transcript for turn in test})
    test = [turn for turn in test if not turn.suggested]
    training = [turn for turn in training if not turn.suggested]
    model = train(data, training, "outside the held-out part")
    codebook = data.codebook
    counts: dict[str, list[int]] = {}  # code -> [true positive, false positive, false negative, true negative]
    carried_train: Counter[str] = Counter()
    carried_test: Counter[str] = Counter()
    listed = [code.id for code in codebook.codes if not code.split_into]
    applies = {code: codebook.group(codebook.code(code).group).applies_to for code in listed}
    for turn in training:
        carried_train.update(code for code in set(turn.example.codes) if code in applies)
    for turn in test:
        example = turn.example
        suggested = {suggestion.code for suggestion in model.suggest_terms(example.terms, example.role)}
        carried = set(example.codes)
        carried_test.update(code for code in carried if code in applies)
        for code in listed:
            if not applies[code](example.role):
                continue
            figures = counts.setdefault(code, [0, 0, 0, 0])
            figures[(0 if code in carried else 1) if code in suggested else (2 if code in carried else 3)] += 1
    rows = [
        CodeFigures(code, carried_train[code], carried_test[code], code in model.codes, *counts.get(code, [0, 0, 0, 0]))
        for code in listed
        if carried_train[code] or carried_test[code]
    ]
    return Evaluation(
        coder,
        seed,
        by_transcript,
        len(training),
        len(test),
        len({turn.transcript for turn in training}),
        test_transcripts,
        rows,
        left_out,
    )


def _held_out(count: int, share: float) -> int:
    """How many of `count` to hold out: the share, rounded, at least one and never all."""
    return min(count - 1, max(1, round(count * share)))


# --- suggestions for turns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnSuggestions:
    turn: int
    speaker: str
    role: str | None
    suggestions: list[Suggestion]
    codes: tuple[str, ...] | None  # the coder's codes on the turn; None when not reviewed


@dataclass(frozen=True)
class SuggestedTurns:
    transcript: Path
    coder: str
    trained_on: int  # settled turns
    learned: list[str]  # the codes the model can suggest
    turns: list[TurnSuggestions]
    total_turns: int  # the transcript's


def suggest_for_transcript(study: Study, transcript: Path, coder: str, turn: int | None = None) -> SuggestedTurns:
    """The codes the model of `coder`'s settled turns suggests for one turn of a transcript, or for every turn."""
    path = study.transcript_named(transcript)
    parsed: Transcript = load_transcript(path)
    if turn is not None and not 1 <= turn <= len(parsed.turns):
        raise UsageError(
            f"{display_path(path)} has {len(parsed.turns)} turn(s); "
            f"turn {turn} is out of range, name one from 1 to {len(parsed.turns)}"
        )
    data = training_data(study, coder)
    model = train(data)
    role_of = role_finder(study)
    records = AnnotationFile.open(annotation_path(path, coder)).records
    numbers = [turn] if turn is not None else range(1, len(parsed.turns) + 1)
    found = []
    for number in numbers:
        spoken = parsed.turn(number)
        role = role_of(spoken.speaker)
        found.append(
            TurnSuggestions(
                number, spoken.speaker, role, model.suggest(spoken.text, role), _decision(records.get(number))
            )
        )
    return SuggestedTurns(path, coder, data.learned_from, model.codes, found, len(parsed.turns))


def _decision(record: AnnotationRecord | None) -> tuple[str, ...] | None:
    return None if record is None or not record.reviewed else tuple(record.codes)


# --- the setting -----------------------------------------------------------------------------------------------


def suggestions_enabled(
    study: Study, user_settings: UserSettings, coder: str, adjudicating: bool = False
) -> tuple[bool, str]:
    """Whether the coding app shows the model's suggestions to `coder`, and why (one line, a reason to show after
    "Suggestions on:" or "Suggestions off:").

    The study's `suggest = true` turns them on for every coder, and its `suggest = false` off for everyone;
    the user's own `suggest = true` turns them on only when coding as the consensus coder or adjudicating into
    another consensus id (adjudication is not independent coding: a coder's own first pass must not lean on a
    model of it). Off by default.
    """
    where = study.path.name
    if study.settings.suggest is False:
        return False, f"the study file ({where}) says suggest = false"
    if study.settings.suggest is True:
        return True, f"the study file ({where}) says suggest = true, for every coder"
    if user_settings.suggest:
        if coder == CONSENSUS_CODER or adjudicating:
            where_set = user_settings.where("suggest")
            return True, f"your settings file ({where_set}) says suggest = true, and you are adjudicating"
        return False, (
            f"your settings file's suggest = true counts only when coding as {CONSENSUS_CODER} (adjudicating), "
            "and the study file does not say suggest = true"
        )
    return False, "the default: neither the study file nor your settings file says suggest = true"
