"""Untrusted text on a screen: control characters and bidirectional formatting are shown, never obeyed."""

from __future__ import annotations

import pytest

from purer_tui.core.safe_text import excerpt, one_line, visible_control_codes, visible_controls

BIDI = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f", "\u061c"]


@pytest.mark.parametrize("character", BIDI)
def test_bidirectional_formatting_is_shown_like_a_c1_control(character: str) -> None:
    shown = f"<U+{ord(character):04X}>"
    assert visible_controls(f"a{character}b") == f"a{shown}b"
    assert one_line(f"a{character}b") == f"a{shown}b" and excerpt(f"a{character}b", 40) == f"a{shown}b"
    assert visible_controls(visible_controls(character)) == shown  # shown once, never twice


def test_the_other_controls_are_shown_as_before_and_right_to_left_text_is_kept() -> None:
    assert visible_controls("\x1b[2J\x07\x7f\x9b\t\n") == "␛[2J␇␡<U+009B>\t\n"
    assert visible_controls("مرحبا שלום") == "مرحبا שלום"  # letters, not formatting


def test_a_file_keeps_the_bidirectional_formatting_right_to_left_text_needs() -> None:
    assert visible_control_codes("\u200fمرحبا\u202e\x1b") == "\u200fمرحبا\u202e␛"
