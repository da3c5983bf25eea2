"""Durable, atomic file writes.

A coder's work must survive a crash at any instant. Every write goes to a
temporary file in the same folder (never /tmp: transcripts and memos can hold
protected health information, and a rename is only atomic within one file
system), is flushed and fsynced, renamed over the target, and then the folder
is fsynced so the rename itself is on disk. A crash leaves either the old file
or the new one, never a truncated mix.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from purer_tui.core.errors import PurerError, display_path
from purer_tui.core.work_tree import work_tree_of

#: What a new file may be made no more readable than: one file, or every one of several (an export holds
#: the text of many transcripts, so it is no more readable than the most private of them).
References = Path | Iterable[Path]


def atomic_write_bytes(
    path: Path, data: bytes, reference: References | None = None, *, narrow_existing: bool = False
) -> None:
    """Replace `path` with `data` atomically and durably.

    An existing file keeps its permissions; a new one is made no more readable than `reference`
    (the transcript an annotation file belongs to, or every transcript an export holds), whatever the
    umask allows. With `narrow_existing`, an existing plain file's kept permissions are narrowed so too.
    """
    folder = path.parent
    temporary = folder / f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as error:  # name the file being saved, not its temporary twin
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        try:
            kept = _keep_mode(path, descriptor)
            if reference is not None and (not os.path.lexists(path) or (kept and narrow_existing)):
                narrow_mode(descriptor, reference)
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(folder)


def atomic_write_text(path: Path, text: str, reference: References | None = None) -> None:
    """Replace `path` with `text` as UTF-8 with LF line endings, atomically and durably."""
    atomic_write_bytes(path, text.encode("utf-8"), reference)


def narrow_mode(descriptor: int, reference: References) -> None:
    """Make a new file's permissions no wider than `reference`'s (the umask has already narrowed them).

    With several references, no wider than any of them: the bits every one of them has. A reference
    that cannot be looked at (gone meanwhile) sets no limit.
    """
    allowed = 0o666
    for each in [reference] if isinstance(reference, Path) else reference:
        try:
            allowed &= os.stat(each).st_mode
        except OSError:
            continue
    try:
        current = os.fstat(descriptor).st_mode & 0o777
    except OSError:
        return
    if current & ~allowed:
        os.fchmod(descriptor, current & allowed)


def write_output(path: Path, data: bytes, reference: References | None = None, study: Path | None = None) -> None:
    """Write a file the user named for an export or a picture, as a shell redirection would.

    With `study` (the study's folder), a path through a link inside the study is refused, and so is one that
    would replace the study's own files (annotations, codebook, transcripts, `.git`): a teammate can push a link
    named like an output (`reframing.svg -> ~/.bashrc`, `report.csv -> transcripts/x.ana.jsonl`).

    `-` is standard output. A device or a pipe (`/dev/null`, a FIFO) is written
    through, never replaced by a plain file; a link is followed to the file it
    names; anything else is replaced atomically and durably. The file written is
    no more readable than `reference` (the transcripts the output holds): a new
    one, or one replaced at that place (its permissions kept, but narrowed when
    wider); a link's target keeps its permissions, as with a redirection.
    """
    if str(path) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if study is not None:
        _refuse_study_files(path, study, reference)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        status = None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(21, "is a folder", str(path))
    if status is not None and not stat.S_ISREG(status.st_mode):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    # Through a link, the file it names keeps its permissions: purer-tui narrows only files it makes or
    # replaces at the place the user named.
    atomic_write_bytes(Path(os.path.realpath(path)), data, reference, narrow_existing=not os.path.islink(path))


#: Inside a study, what an output never replaces: its state folders, and files of the kinds a study is made of.
_STUDY_FOLDERS = (".git", ".purer")
_STUDY_SUFFIXES = (".jsonl", ".toml", ".journal", ".lock")


def _refuse_study_files(path: Path, study: Path, reference: References | None) -> None:
    """An output must not go through a link in the study or the repository it sits in (a teammate can push
    `figures -> ~`, `purer.qdc -> ~/.bashrc` or `report.csv -> transcripts/x.ana.jsonl`), nor replace the
    study's own files: a coder's annotations, the codebook, a transcript, git's files."""
    root = os.path.realpath(study)
    # Teammates push to the whole repository the study sits in, not only to the study's folder.
    shared = os.path.realpath(work_tree_of(Path(root)) or root)
    given = Path.cwd() / path  # not normalised: `figures/../x` still passes through `figures`
    for depth in range(1, len(given.parts) + 1):
        prefix = Path(*given.parts[:depth])
        if os.path.islink(prefix) and _within(os.path.realpath(prefix.parent), shared):
            which = "is" if depth == len(given.parts) else f"goes through {display_path(prefix)},"
            where = "the study" if _within(os.path.realpath(prefix.parent), root) else "the study's repository"
            raise PurerError(
                f"{display_path(path)} {which} a link in {where} (a teammate may have pushed it); "
                "nothing was written: name a file elsewhere, or remove the link"
            )
    target = os.path.realpath(given)
    if not os.path.lexists(target):
        return
    protected = {os.path.realpath(each) for each in ([reference] if isinstance(reference, Path) else reference or [])}
    in_git = _within(target, shared) and Path(os.path.relpath(target, shared)).parts[:1] == (".git",)
    study_file = _within(target, root) and (
        Path(os.path.relpath(target, root)).parts[:1] in [(folder,) for folder in _STUDY_FOLDERS]
        or Path(target).suffix in _STUDY_SUFFIXES
    )
    if in_git or study_file or target in protected:
        raise PurerError(
            f"{display_path(path)} is one of the study's own files; nothing was written: name another file"
        )


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _keep_mode(original: Path, replacement: int) -> bool:
    """Give the replacement (an open descriptor) an existing plain file's permission bits; whether there was one.

    Never a link's target's (a link in a study may name any file), and never
    set-id or sticky bits: only read, write and execute.
    """
    try:
        status = os.lstat(original)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(status.st_mode):
        return False
    os.fchmod(replacement, status.st_mode & 0o777)
    return True
