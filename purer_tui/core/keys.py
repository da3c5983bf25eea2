"""The coding app's own keys, as data.

One table holds every app key: its stable id, default keys, action,
description and footer label. It serves the codebook validator (a code's key
must not shadow an app key), the study validator (a keymap names these ids)
and the TUI (its bindings, footer, help and command palette), so they can
never disagree. Key names follow Textual's: printable keys are written as the
character itself, others by name (`down`, `pagedown`, `ctrl+z`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AppKey:
    id: str  # stable dotted id; a study's keymap refers to it
    keys: tuple[str, ...]  # the default keys; the first is shown in the footer
    action: str  # the app action it runs
    description: str  # shown in help and the command palette
    footer_label: str | None = None  # its short label in the footer; None: not in the footer (80 columns are few)
    priority: bool = False  # runs before the focused widget's own use of the key (tab: the app's, not focus cycling)


APP_KEYS: tuple[AppKey, ...] = (
    AppKey("turn.next", ("j", "down"), "next_turn", "Next turn", footer_label="Next"),
    AppKey("turn.previous", ("k", "up"), "previous_turn", "Previous turn"),
    AppKey("turn.page_down", ("pagedown",), "page_down", "Several turns forward"),
    AppKey("turn.page_up", ("pageup",), "page_up", "Several turns back"),
    AppKey("turn.first", ("g", "home"), "first_turn", "First turn"),
    AppKey("turn.last", ("G", "end"), "last_turn", "Last turn"),
    AppKey("turn.review", ("enter",), "review_and_next", "Mark reviewed, go to next", footer_label="Reviewed"),
    AppKey("turn.unreview", ("delete",), "unreview", "Not reviewed again (codes off, memo kept)"),
    AppKey("turn.flag", ("!",), "toggle_flag", "Flag the turn to come back to; again: clear"),
    AppKey(
        "adjudicate.first",
        ("<",),
        "adjudicate('first')",
        "Adjudicating: take the first coder's codes",
        footer_label="First",
    ),
    AppKey(
        "adjudicate.second",
        (">",),
        "adjudicate('second')",
        "Adjudicating: take the second coder's codes",
        footer_label="Second",
    ),
    AppKey(
        "adjudicate.both", ("+",), "adjudicate('both')", "Adjudicating: take both coders' codes", footer_label="Both"
    ),
    AppKey("adjudicate.neither", ("-",), "adjudicate('neither')", "Adjudicating: no code applies", footer_label="None"),
    AppKey(
        "turn.next_unreviewed",
        ("n",),
        "next_unreviewed",
        "Next unreviewed or flagged turn, or search hit",
        footer_label="To do",
    ),
    AppKey("search.previous", ("N",), "previous_hit", "Previous search hit"),
    AppKey("code.pick", ("space",), "pick_code", "Pick a code by name", footer_label="Pick"),
    AppKey(
        "codebook.focus",
        ("tab",),
        "toggle_codebook",
        "Codebook cursor and definitions (arrows move, enter toggles); again: back to the turn",
        priority=True,
    ),
    AppKey("memo.edit", ("m",), "edit_memo", "Write or edit the memo", footer_label="Memo"),
    AppKey("edit.undo", ("backspace", "ctrl+z"), "undo", "Undo"),
    AppKey("edit.redo", ("ctrl+y",), "redo", "Redo"),
    AppKey("search.start", ("/",), "search", "Search turn text (tab in the prompt: the whole study)"),
    AppKey("search.end", ("escape",), "end_search", "End the search"),
    AppKey("turn.goto", (":",), "goto_turn", "Go to turn number"),
    AppKey("transcript.previous", ("[",), "previous_transcript", "Previous transcript"),
    AppKey("transcript.next", ("]",), "next_transcript", "Next transcript"),
    AppKey("transcript.open", ("ctrl+o",), "open_transcript", "List the study's transcripts with progress; open one"),
    AppKey("turn.scroll_down", ("ctrl+d",), "scroll_turn(0.5)", "Scroll a long turn down"),
    AppKey("turn.scroll_up", ("ctrl+u",), "scroll_turn(-0.5)", "Scroll a long turn up"),
    AppKey("app.help", ("?",), "help", "Keys and codebook", footer_label="Help"),
    AppKey("app.quit", ("q", "ctrl+c"), "quit", "Quit (everything is already saved)", footer_label="Quit"),
    AppKey("suggestion.accept", ("ctrl+a",), "accept_suggestions", "Apply the suggested codes"),
    AppKey(
        "turn.similar",
        ("ctrl+s",),
        "similar_turns",
        "Turns like this one across the study, with your codes on each (enter goes to one)",
    ),
)

#: Shown first in the footer, so that no terminal width and no extra key cuts them off.
FOOTER_FIRST: tuple[str, ...] = ("app.help", "app.quit")

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
