"""Make untrusted text safe to show in a terminal.

Transcripts, speaker names, memos and codebook labels are data. Control
characters in them (an ESC starting an OSC 52 clipboard write or a title
change, a C1 CSI, a DEL) must never reach the coder's terminal, so they are
replaced by visible placeholders before any text is printed or rendered.
Tab and newline are kept: they are layout, not commands.

Bidirectional formatting characters (the embeddings, overrides and isolates
U+202A-U+202E and U+2066-U+2069, and the marks U+200E, U+200F and U+061C) are
shown the same way on screen: they reorder the text around them, so a label or
a turn could otherwise look like something else ("Trojan source").
"""

from __future__ import annotations

import re

# A lone surrogate (a JSON escape like "\\ud800" with no partner) is no character: no terminal or file can be
# written with it, so it is shown as its code too.
_CONTROL_CODES = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_CONTROL_CODES}]")
_SHOWN = re.compile(f"[{_CONTROL_CODES}{_BIDI}]")


def _placeholder(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␛ for ESC, ␀ for NUL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"  # C1 controls, bidirectional formatting and lone surrogates have no control picture


def visible_controls(text: str) -> str:
    """For a screen: replace control characters other than tab and newline, and bidirectional formatting
    characters, with visible placeholders."""
    return _SHOWN.sub(_placeholder, text)


def visible_control_codes(text: str) -> str:
    """For a file that cannot carry control characters (XML): replace those other than tab and newline with
    visible placeholders, as on screen, but keep bidirectional formatting, which right-to-left text needs
    and the program reading the file shows as it sees fit."""
    return _CONTROL.sub(_placeholder, text)


def one_line(text: str) -> str:
    """Untrusted text for a one-line message: control characters visible, and no line break to forge a line with."""
    return visible_controls(text.replace("\r\n", "\n")).replace("\n", "\u2424").replace("\t", " ")


def for_terminal(text: str) -> str:
    """Machine-readable output (CSV) shown on a screen rather than saved: control characters made visible.

    Only when the output is a terminal: saved to a file or piped, the data stays exactly as it is.
    """
    return visible_controls(text.replace("\r\n", "\n"))


def json_safe(serialized_json: str) -> str:
    """Escape DEL and C1 controls that `json.dumps(ensure_ascii=False)` leaves raw.

    JSON only escapes C0 controls itself; DEL and C1 characters can only occur
    inside strings, where a `\\u` escape is valid, so the result still parses
    to the same value.
    """
    return re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", serialized_json)


def markdown_literal(text: str) -> str:
    """Untrusted text inside Markdown, shown as written: characters that would format or link are escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>#|!" else ch for ch in visible_controls(text))


def excerpt(text: str, characters: int) -> str:
    """Untrusted text on one line, shortened with an ellipsis, safe to print."""
    words = " ".join(text.split())
    if len(words) > characters:
        words = words[: characters - 1].rstrip() + "…"
    return visible_controls(words)
