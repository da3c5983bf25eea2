"""Where annotation files live: `X.txt` coded by `ana` is `X.ana.jsonl`, beside the transcript.

Also where re-anchoring keeps the records it could not place
(`X.ana.unplaced.jsonl`), and how the annotation files of many transcripts
are found with one listing per folder (a study has thousands).
"""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.coders import CODER_PATTERN, validate_coder

ANNOTATION_SUFFIX = ".jsonl"
#: Records that re-anchoring could not place (see purer_tui/services/reanchoring.py), kept for the coder.
UNPLACED_SUFFIX = ".unplaced.jsonl"


def annotation_path(transcript: Path, coder: str) -> Path:
    """Where `coder`'s annotations of `transcript` live: `X.txt` -> `X.<coder>.jsonl`."""
    return transcript.with_name(f"{transcript.stem}.{validate_coder(coder)}{ANNOTATION_SUFFIX}")


def unplaced_path(annotation_file: Path) -> Path:
    """`X.ana.jsonl` -> `X.ana.unplaced.jsonl`."""
    return annotation_file.with_name(annotation_file.name.removesuffix(ANNOTATION_SUFFIX) + UNPLACED_SUFFIX)


def annotation_index(folder: Path) -> dict[str, dict[str, Path]]:
    """Every annotation file in a folder, by transcript name (without its ending) and coder: one listing."""
    index: dict[str, dict[str, Path]] = {}
    try:
        names = sorted(entry.name for entry in folder.iterdir())
    except OSError:
        return {}
    for name in names:
        split = split_annotation_name(name)
        if split is not None:
            index.setdefault(split[0], {})[split[1]] = folder / name
    return index


def split_annotation_name(name: str) -> tuple[str, str] | None:
    """`X.ana.jsonl` -> ("X", "ana"): the transcript's name without its ending, and the coder; None for others."""
    if not name.endswith(ANNOTATION_SUFFIX):
        return None
    stem, _, coder = name[: -len(ANNOTATION_SUFFIX)].rpartition(".")
    return (stem, coder) if stem and CODER_PATTERN.match(coder) else None


def annotation_files(transcript: Path) -> dict[str, Path]:
    """Every coder's annotation file of one transcript, by coder id."""
    return annotation_index(transcript.parent).get(transcript.stem, {})


class AnnotationFinder:
    """Finds the annotation files of many transcripts, listing each folder once (a study has thousands)."""

    def __init__(self) -> None:
        self._indexes: dict[Path, dict[str, dict[str, Path]]] = {}

    def files(self, transcript: Path) -> dict[str, Path]:
        folder = transcript.parent
        if folder not in self._indexes:
            self._indexes[folder] = annotation_index(folder)
        return self._indexes[folder].get(transcript.stem, {})
