"""Make untrusted text safe to show in a terminal.

Transcripts, speaker names, memos and codebook labels are data. Control
characters in them (an ESC starting an OSC 52 clipboard write or a title
change, a C1 CSI, a DEL) must never reach the coder's terminal, so they are
replaced by visible placeholders before any text is printed or rendered.
Tab and newline are kept: they are layout, not commands.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _placeholder(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␛ for ESC, ␀ for NUL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"  # C1 controls have no control picture


def visible_controls(text: str) -> str:
    """Replace control characters other than tab and newline with visible placeholders."""
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
