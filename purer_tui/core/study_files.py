"""Opening and creating a study's files as what they are: input from someone else's machine.

A study is a git repository teammates push to. Any file in it can be a link
to somewhere else on the server (another study's memos), a pipe that blocks
a reader forever, or a file far larger than any real one. So files of a
study are opened without following links and without blocking, must be
plain files, and are bounded in size; and the files purer-tui creates beside
a transcript are never more readable than that transcript.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from purer_tui.core.durable import narrow_mode
from purer_tui.core.errors import InvalidFileError, Problem

_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCKING = getattr(os, "O_NONBLOCK", 0)

#: Suffixes a transcript has by default (a study may name others in its patterns).
TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt")
#: Files purer-tui itself keeps beside a transcript: never the transcript.
_OWN_SUFFIXES = (".jsonl", ".journal", ".lock", ".tmp", ".toml")


def read_plain_file(path: Path, what: str, limit: int, follow_links: bool = False) -> bytes:
    """The bytes of a plain file of at most `limit` bytes; every other case is an `InvalidFileError` saying what to do.

    A missing file raises `FileNotFoundError`, for the caller to say what that means.
    """
    flags = os.O_RDONLY | _NON_BLOCKING | (0 if follow_links else _NO_FOLLOW)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise
    except PermissionError:
        raise InvalidFileError([Problem(path, None, "cannot be read: permission denied")]) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InvalidFileError(
                [
                    Problem(
                        path,
                        None,
                        f"is a link; {what}s must be plain files of the study; replace the link with the file",
                    )
                ]
            ) from None
        raise InvalidFileError([Problem(path, None, f"cannot be read: {error.strerror or error}")]) from None
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise InvalidFileError([Problem(path, None, f"is a folder, not {_a(what)}")])
        if not stat.S_ISREG(status.st_mode):
            raise InvalidFileError(
                [Problem(path, None, f"is not a plain file (a pipe or a device?); {what}s are plain files")]
            )
        if status.st_size > limit:
            raise InvalidFileError(
                [Problem(path, None, f"is {_size(status.st_size)}; {what}s over {_size(limit)} are refused")]
            )
        chunks = []
        remaining = limit + 1  # one byte more than allowed tells a file that grew while being read
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise InvalidFileError([Problem(path, None, f"cannot be read: {error.strerror or error}")]) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InvalidFileError(
            [Problem(path, None, f"is over {_size(limit)}; {what}s over {_size(limit)} are refused")]
        )
    return data


def _a(what: str) -> str:
    return f"{'an' if what[0] in 'aeiou' else 'a'} {what}"


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.0f} MiB"
    return f"{count / 1024:.0f} KiB" if count >= 1024 else f"{count} bytes"


def open_for_writing(path: Path, flags: int, reference: Path | None) -> tuple[int, bool]:
    """Open (creating when missing) a file purer-tui owns, never through a link; returns the descriptor and
    whether it was created. A created file is made no more readable than `reference` (its transcript)."""
    existed = os.path.lexists(path)
    try:
        descriptor = os.open(path, flags | os.O_CREAT | _NO_FOLLOW, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InvalidFileError(
                [Problem(path, None, "is a link; purer-tui never writes through links in a study; remove it")]
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InvalidFileError([Problem(path, None, "is not a plain file (a pipe or a device?); remove it")])
    if not existed and reference is not None:
        narrow_mode(descriptor, reference)
    return descriptor, not existed


def transcript_beside(annotation_path: Path) -> Path | None:
    """The transcript an annotation file (and so its journal and lock) belongs to: `X.ana.jsonl` -> `X.txt`."""
    stem = annotation_path.name.removesuffix(".jsonl").rpartition(".")[0]
    folder = annotation_path.parent
    if not stem:
        return None
    for suffix in TRANSCRIPT_SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.startswith(f"{stem}."))
    except OSError:
        return None
    for name in names:
        ending = name[len(stem) + 1 :]
        if ending and "." not in ending and not name.endswith(_OWN_SUFFIXES) and (folder / name).is_file():
            return folder / name
    return None


#: What tells one version of a file from another without reading it: modification time, size, inode.
Signature = tuple[int, int, int]


def file_signature(path: Path, follow_links: bool = False) -> Signature | None:
    """The file's signature, or None when there is no file (a link is taken as itself unless `follow_links`:
    transcripts may be links within the study; the files purer-tui keeps never are)."""
    try:
        status = os.stat(path) if follow_links else os.lstat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)
