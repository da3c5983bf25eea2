"""Synthetic studies for the benchmarks: deterministic (seeded), shaped like real MORE group sessions.

Each transcript alternates a therapist and five participants, with timestamps;
three coders review every turn, agreeing most of the time (each starts from
the same "true" codes and changes some), so agreement and reports have real
work to do.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from purer_tui.core.transcript import compute_anchor

REPO = Path(__file__).resolve().parent.parent
WORDS = (
    "the pain was there and I noticed my breath coming back to the body again warm tight sharp dull "
    "thought mind wandering attention practice sensation lower back leg moving changing calm noticed "
    "curious tension breathing scan today week sleep work family walking sitting heavy light"
).split()
MOVES = ["phenomenology", "utilization", "reframing", "education", "reinforcement"]
STAGES = ["stage-1", "stage-2a", "stage-2b", "stage-3", "stage-4"]
CODERS = ["ana", "ben", "cal"]


def make_study(folder: Path, transcripts: int, turns: int, coders: int, seed: int = 7) -> Path:
    """A study of `transcripts` x `turns` x `coders`, written once (reused when it exists)."""
    marker = folder / ".complete"
    if marker.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    rng = random.Random(seed * 1_000_003 + transcripts * 7919 + turns)
    (folder / "transcripts").mkdir(parents=True)
    (folder / "codebooks").mkdir()
    shutil.copyfile(REPO / "codebooks" / "purer.toml", folder / "codebooks" / "purer.toml")
    (folder / "purer.toml").write_text(
        '[study]\nname = "benchmark"\ncodebook = "codebooks/purer.toml"\ntranscripts = ["transcripts/*.txt"]\n'
        "metadata_pattern = 'grp(?P<group>\\d+)-s(?P<session>\\d+)'\n"
        '[roles]\nstaff = ["Therapist"]\nparticipant = ["Participant *"]\n'
    )
    for index in range(transcripts):
        name = f"grp{index // 8 + 1}-s{index % 8 + 1:02d}"
        lines, truth = [], []
        for number in range(1, turns + 1):
            therapist = number % 2 == 1
            speaker = "Therapist" if therapist else f"Participant {rng.randint(1, 5)}"
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
            seconds = number * 9
            lines.append(f"[{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}] {speaker}: {text}")
            codes = (
                sorted(rng.sample(MOVES, rng.randint(0, 2)))
                if therapist
                else ([rng.choice(STAGES)] if rng.random() < 0.7 else [])
            )
            truth.append((number, speaker, text, codes))
        (folder / "transcripts" / f"{name}.txt").write_text("\n".join(lines) + "\n")
        for coder in CODERS[:coders]:
            out = []
            for number, speaker, text, codes in truth:
                mine = list(codes)
                if rng.random() < 0.15:  # a disagreement
                    mine = sorted(rng.sample(MOVES, 1)) if speaker == "Therapist" else [rng.choice(STAGES)]
                record = {"anchor": compute_anchor(speaker, text), "codes": mine, "turn": number}
                out.append(json.dumps(record, sort_keys=True, separators=(",", ":")))
            (folder / "transcripts" / f"{name}.{coder}.jsonl").write_text("\n".join(out) + "\n")
    marker.write_text("")
    return folder


def make_transcript_study(folder: Path, turns: int) -> Path:
    """One transcript of `turns` turns, coded by nobody yet (for the coding app)."""
    return make_study(folder, 1, turns, 0)
