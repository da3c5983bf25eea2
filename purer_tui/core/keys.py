"""The coding app's own keys, as data.

One table serves both the codebook validator (a code's key must not shadow an
app key) and the TUI (which builds its bindings from it), so the two can never
disagree. Key names follow Textual's: printable keys are written as the
character itself, others by name (`down`, `pagedown`, `ctrl+z`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class AppKey:
    id: str  # stable dotted id; a study's keymap refers to it
    keys: tuple[str, ...]  # the first is shown in the footer and help
    action: str  # the app action it runs
    description: str
    footer: bool = False  # shown in the footer (the main keys only: 80 columns are few)


APP_KEYS: tuple[AppKey, ...] = (
    AppKey("turn.next", ("j", "down"), "next_turn", "Next turn", footer=True),
    AppKey("turn.previous", ("k", "up"), "previous_turn", "Previous turn"),
    AppKey("turn.page_down", ("pagedown",), "page_down", "Several turns forward"),
    AppKey("turn.page_up", ("pageup",), "page_up", "Several turns back"),
    AppKey("turn.first", ("g", "home"), "first_turn", "First turn"),
    AppKey("turn.last", ("G", "end"), "last_turn", "Last turn"),
    AppKey("turn.review", ("enter",), "review_and_next", "Mark reviewed, go to next", footer=True),
    AppKey("turn.unreview", ("delete",), "unreview", "Not reviewed again (codes off, memo kept)"),
    AppKey("turn.flag", ("!",), "toggle_flag", "Flag the turn to come back to; again: clear"),
    AppKey("adjudicate.first", ("<",), "adjudicate('first')", "Adjudicating: take the first coder's codes", footer=True),
    AppKey("adjudicate.second", (">",), "adjudicate('second')", "Adjudicating: take the second coder's codes", footer=True),
    AppKey("adjudicate.both", ("+",), "adjudicate('both')", "Adjudicating: take both coders' codes", footer=True),
    AppKey("adjudicate.neither", ("-",), "adjudicate('neither')", "Adjudicating: no code applies", footer=True),
    AppKey("turn.next_unreviewed", ("n",), "next_unreviewed", "Next unreviewed or flagged turn, or search hit", footer=True),
    AppKey("search.previous", ("N",), "previous_hit", "Previous search hit"),
    AppKey("code.pick", ("space",), "pick_code", "Pick a code by name", footer=True),
    AppKey("memo.edit", ("m",), "edit_memo", "Write or edit the memo", footer=True),
    AppKey("edit.undo", ("backspace", "ctrl+z"), "undo", "Undo"),
    AppKey("edit.redo", ("ctrl+y",), "redo", "Redo"),
    AppKey("search.start", ("/",), "search", "Search turn text"),
    AppKey("search.end", ("escape",), "end_search", "End the search"),
    AppKey("turn.goto", (":",), "goto_turn", "Go to turn number"),
    AppKey("transcript.previous", ("[",), "previous_transcript", "Previous transcript"),
    AppKey("transcript.next", ("]",), "next_transcript", "Next transcript"),
    AppKey("app.help", ("?",), "help", "Keys and codebook", footer=True),
    AppKey("app.quit", ("q",), "quit", "Quit (everything is already saved)", footer=True),
)

#: Keys no codebook may take whatever the keymap says: text-entry and focus keys.
ALWAYS_RESERVED: tuple[str, ...] = ("tab", "space", "enter", "escape", "backspace")

#: Textual's names for keys that are also printable characters.
NAMED_CHARACTERS: Mapping[str, str] = {
    "space": " ",
    "question_mark": "?",
    "slash": "/",
    "colon": ":",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "full_stop": ".",
    "comma": ",",
    "semicolon": ";",
    "minus": "-",
    "plus": "+",
    "equals_sign": "=",
    "number_sign": "#",
    "exclamation_mark": "!",
    "asterisk": "*",
    "less_than_sign": "<",
    "greater_than_sign": ">",
}


def app_keys(keymap: Mapping[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """Binding id to keys, after a study's keymap (`id = "k1,k2"`) is applied."""
    keys = {app_key.id: app_key.keys for app_key in APP_KEYS}
    for binding_id, value in (keymap or {}).items():
        keys[binding_id] = tuple(part.strip() for part in value.split(",") if part.strip())
    return keys


def reserved_keys(keymap: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every key the app uses, as the character it types where it types one, to its binding id."""
    reserved = {NAMED_CHARACTERS.get(key, key): "the app itself" for key in ALWAYS_RESERVED}
    for binding_id, keys in app_keys(keymap).items():
        for key in keys:
            reserved[NAMED_CHARACTERS.get(key, key)] = binding_id
    return reserved
