"""Finding words or a pattern in a turn's text, and the excerpt that shows where: pure, for `purer-tui autocode`.

A phrase matches as the coding app's search does: literally, ignoring case
(both sides casefolded). A pattern is a Python regular expression, taken as
written (the user adds `(?i)` to ignore case). Python cannot stop a regular
expression once it has started, so a pattern that can backtrack
catastrophically, or one longer than a person would type, is refused before
any turn is searched. The excerpt is made safe to print: whitespace
collapsed, control characters visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from purer_tui.core.errors import UsageError
from purer_tui.core.safe_text import visible_controls
from purer_tui.core.study import MAX_OPEN_REPEATS, WIDE_REPEAT, slow_to_match

#: Characters of a --text phrase or a --pattern at most: longer ones are not typed, and cost time on every turn.
MAX_SEARCH_CHARACTERS = 300
#: Characters shown before and after a match, and of the match itself, in an excerpt.
EXCERPT_CONTEXT = 40
EXCERPT_MATCH = 80

Span = tuple[int, int]


class TurnMatcher(Protocol):
    def find(self, text: str) -> Span | None:
        """Where the first match in `text` starts and ends, or None when there is none."""
        ...


@dataclass(frozen=True)
class PhraseMatcher:
    """Words matched as a phrase: literal, ignoring case (casefolded), as the app's search."""

    phrase: str

    def find(self, text: str) -> Span | None:
        needle = self.phrase.casefold()
        folded = text.casefold()
        start = folded.find(needle)
        if start < 0:
            return None
        if len(folded) == len(text):  # every character folded to one: positions are the same
            return start, start + len(needle)
        # Some character folded to several ("ß" to "ss"): map folded positions back to the text's.
        origin: list[int] = []
        for index, character in enumerate(text):
            origin.extend([index] * len(character.casefold()))
        return origin[start], origin[start + len(needle) - 1] + 1


@dataclass(frozen=True)
class PatternMatcher:
    """A checked regular expression: its first match in a turn."""

    compiled: re.Pattern[str]

    def find(self, text: str) -> Span | None:
        found = self.compiled.search(text)
        return found.span() if found else None


def phrase_matcher(words: str) -> PhraseMatcher:
    """A matcher for `--text`: refuses an empty or overlong phrase."""
    if not words.strip():
        raise UsageError("--text is empty; give the words to find")
    if len(words) > MAX_SEARCH_CHARACTERS:
        raise UsageError(f"--text is longer than {MAX_SEARCH_CHARACTERS} characters; search for fewer words")
    return PhraseMatcher(words)


#: A little of every kind of character, to see whether a pattern finds matches of no characters in it.
_SAMPLE = "Ab cd, 12 ef.\nGh-ij: 'k' (l)?"


def pattern_matcher(pattern: str) -> PatternMatcher:
    """A matcher for `--pattern`: refuses a pattern that is too long, invalid, slow to match, or matches nothing."""
    if len(pattern) > MAX_SEARCH_CHARACTERS:
        raise UsageError(f"--pattern is longer than {MAX_SEARCH_CHARACTERS} characters; write a shorter one")
    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        raise UsageError(f"--pattern is not a valid regular expression ({error}); fix it") from None
    if slow_to_match(pattern):
        raise UsageError(
            "--pattern repeats inside repeats, like (a+)+ or (a|aa)+, "
            f"or has more than {MAX_OPEN_REPEATS} wide repeats (+, *, {{0,{WIDE_REPEAT + 1}}}): "
            "it can take hours on a long turn and cannot be stopped; simplify it"
        )
    # A match of no characters (an empty pattern, `x*`, `\b`, a lookahead alone) is found in every turn.
    if compiled.fullmatch("") or any(found.end() == found.start() for found in compiled.finditer(_SAMPLE)):
        raise UsageError("--pattern can match an empty text, so every turn; make it match at least one character")
    return PatternMatcher(compiled)


@dataclass(frozen=True)
class Excerpt:
    """The text around a match, on one line and safe to print; the match itself apart, to highlight."""

    before: str
    match: str
    after: str

    def fitted(self, width: int) -> Excerpt:
        """The excerpt in at most about `width` characters, the match kept whole: the context either side is cut
        (with an ellipsis), so a line fits the terminal instead of breaking mid-word."""
        room = max(2, width - len(self.match))
        if len(self.before) + len(self.after) <= room:
            return self
        before_room = min(len(self.before), max(room // 2, room - len(self.after)))
        after_room = room - before_room
        before = self.before if len(self.before) <= before_room else "…" + self.before[-(before_room - 1) :]
        after = self.after if len(self.after) <= after_room else self.after[: max(after_room - 1, 0)] + "…"
        return Excerpt(before if before_room > 1 else "", self.match, after)

    def marked(self, left: str = ">>", right: str = "<<") -> str:
        """The excerpt with the match between markers (for output that is not a terminal)."""
        return f"{self.before}{left}{self.match}{right}{self.after}"


_WHITESPACE = re.compile(r"\s+")


def excerpt_around(text: str, span: Span, context: int = EXCERPT_CONTEXT, longest: int = EXCERPT_MATCH) -> Excerpt:
    """Up to `context` characters either side of the match at `span`, and at most `longest` of the match."""
    start, end = span
    # Whitespace collapses, so a window a little wider than needed always yields `context` characters.
    before = _WHITESPACE.sub(" ", text[max(0, start - 4 * context) : start])
    after = _WHITESPACE.sub(" ", text[end : end + 4 * context])
    match = _WHITESPACE.sub(" ", text[start : min(end, start + 4 * longest)])
    if start <= 4 * context:  # the window reaches the text's start, and its end below: no edge spaces
        before = before.lstrip()
    if end + 4 * context >= len(text):
        after = after.rstrip()
    if len(before) > context or start > 4 * context:
        before = "…" + before[-context:].lstrip()
    if len(after) > context or end + 4 * context < len(text):  # cut, or more beyond the window
        after = after[:context].rstrip() + "…"
    if len(match) > longest:
        match = match[: longest - 1] + "…"
    return Excerpt(visible_controls(before), visible_controls(match), visible_controls(after))
