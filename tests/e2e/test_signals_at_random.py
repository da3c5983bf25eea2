"""A scripted coding run, resized and killed at random moments: every change shown as applied is on disk."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from purer_tui.core.annotations import AnnotationFile

LABELS = {
    "p": ("phenomenology", "Phenomenology"),
    "u": ("utilization", "Utilization"),
    "r": ("reframing", "Reframing"),
    "e": ("education", "Education"),
}


@pytest.mark.parametrize("signal_name, seed", [("SIGKILL", 11), ("SIGHUP", 22), ("SIGTERM", 33), ("SIGKILL", 44)])
def test_changes_shown_as_applied_survive_a_signal_at_a_random_moment(
    start_coding, demo_study: Path, signal_name: str, seed: int
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    coding = start_coding(str(demo_study), "--coder", "eve")
    coding.wait_for("not reviewed yet")
    shown: dict[int, str] = {}
    turn = 1
    for _ in range(rng.randint(2, 6)):
        key = rng.choice(sorted(LABELS))
        code, label = LABELS[key]
        coding.press(key)
        coding.wait_for(f"{label} ✓")  # the screen says it is applied...
        shown[turn] = code  # ...so it must survive whatever happens next
        if rng.random() < 0.5:
            coding.child.setwinsize(rng.randint(20, 40), rng.randint(70, 130))  # the terminal is resized
        coding.press("j")
        turn += 1
        coding.wait_for(f"Turn {turn}/17")
    if rng.random() < 0.5:
        coding.press(rng.choice(sorted(LABELS)))  # a key that may or may not be handled before the signal
    time.sleep(rng.random() * 0.2)
    coding.child.kill(getattr(signal, signal_name))
    coding.wait_exit(timeout=15)
    records = AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.eve.jsonl").records
    for number, code in shown.items():
        assert code in records[number].codes, (number, code, dict(records))
