"""Running git: one place that knows how to call it and how it fails."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.errors import PurerError
from purer_tui.core.work_tree import work_tree_of as work_tree_of  # the core's (output writing needs it too)


class GitError(PurerError):
    """git is missing, or a git command failed."""


def git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace"
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH); install git to share a study") from None
    if check and result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["failed"])[0]
        raise GitError(f"git {args[0]}: {first}")
    return result


def git_bytes(args: list[str], cwd: Path) -> bytes | None:
    """A command's raw output (file contents from history), or None when it fails."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        return None
    return result.stdout if result.returncode == 0 else None


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # the committer date, ISO 8601 with its offset
    subject: str
    parents: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def day(self) -> str:
        return self.date[:10]


#: Commits a history reads at most (a study's codebook or a coder's file seldom changes this often).
MAX_COMMITS = 2000


def _record_mark() -> tuple[str, str]:
    """What starts each commit's record in `git log` output, as a --format placeholder and as it comes out:
    unguessable, so no commit subject or file name a teammate pushes can fake a record (a plain \\x1e could
    be typed into either)."""
    token = secrets.token_hex(8)
    return f"%x1e{token}%x1e", f"\x1e{token}\x1e"


def resolve_commit(top: Path, revision: str) -> Commit:
    """The commit a revision names (a hash, a tag, a branch, HEAD~2), or a one-line error."""
    if not revision or revision.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in revision):
        raise GitError(f'"{revision}" is not a revision; give a commit hash, a tag or a branch')
    found = git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=top, check=False)
    if found.returncode != 0 or not found.stdout.strip():
        raise GitError(f'no commit "{revision}" in this repository; see `git log` for the commits it has')
    commits = log(top, [found.stdout.strip(), "--max-count=1"], ())
    return commits[0]


def log(top: Path, revisions: Sequence[str], paths: Sequence[str], limit: int = MAX_COMMITS) -> list[Commit]:
    """`git log` of these revisions (default HEAD), limited to commits touching `paths` when given; newest first."""
    mark, record = _record_mark()
    args = ["log", f"--max-count={limit}", f"--format={mark}%H%x1f%cI%x1f%P%x1f%s", *(revisions or ["HEAD"])]
    result = git([*args, "--", *paths], cwd=top, check=False)
    if result.returncode != 0:
        if "does not have any commits" in result.stderr or "bad default revision" in result.stderr:
            return []
        first = (result.stderr.strip().splitlines() or ["failed"])[0]
        raise GitError(f"git log: {first}")
    commits = []
    for entry in result.stdout.split(record)[1:]:
        fields = entry.rstrip("\n").split("\x1f", 3)  # the subject last: whatever it holds stays in it
        if len(fields) == 4:
            sha, date, parents, subject = fields
            commits.append(Commit(sha, date, subject, tuple(parents.split())))
    return commits


def literal(path: str) -> str:
    """A path as a pathspec that is only ever that path: no wildcard, no magic, whatever its name holds."""
    return f":(literal){path}"


#: Tags a history reads at most.
MAX_TAGS = 2000


def tags(top: Path) -> dict[str, list[str]]:
    """The repository's tags that name commits: commit -> tag names, each commit's names sorted."""
    result = git(
        [
            "for-each-ref",
            f"--count={MAX_TAGS}",
            "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname:strip=2)",
            "refs/tags",
        ],
        cwd=top,
    )
    found: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        fields = line.split(" ", 4)
        if len(fields) != 5:
            continue
        kind, sha, peeled_kind, peeled, name = fields
        commit = peeled if kind == "tag" and peeled_kind == "commit" else sha if kind == "commit" else None
        if commit is not None:
            found.setdefault(commit, []).append(name)
    return {commit: sorted(names) for commit, names in found.items()}


def tree_files(top: Path, commit: str, paths: Sequence[str] = ()) -> dict[str, str]:
    """The regular files of a commit (under `paths` when given), path -> blob id; links and submodules left out,
    so nothing read from history ever points out of the study."""
    result = git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths], cwd=top, check=False)
    if result.returncode != 0:
        return {}
    files = {}
    for entry in result.stdout.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] in ("100644", "100755"):
            files[path] = parts[2]
    return files


#: Bytes of blobs one `git cat-file` hands over at once: what reading history holds in memory at most.
MAX_BATCH_BYTES = 64 * 1024 * 1024


def iter_blobs(
    top: Path, blob_ids: Iterable[str], limit: int, total: int | None = None
) -> Iterator[tuple[str, bytes | None]]:
    """The contents of many blobs, each as it is read, so a caller parses one and lets it go: a pushed history
    of huge files never sits in memory whole. A blob over `limit` bytes, missing, or past `total` bytes read in
    all is None and never read (sizes are asked first)."""
    wanted = list(dict.fromkeys(blob_ids))
    sizes = _cat_file(top, "--batch-check", wanted)
    batch: list[str] = []
    batch_bytes = read_bytes = 0
    for blob, line in zip(wanted, [*sizes.split(b"\n"), *[b""] * len(wanted)], strict=False):
        header = line.split()
        size = int(header[2]) if len(header) == 3 and header[1] == b"blob" and header[2].isdigit() else None
        if size is None or size > limit or (total is not None and read_bytes + size > total):
            yield blob, None
            continue
        if batch and batch_bytes + size > MAX_BATCH_BYTES:
            yield from _read_batch(top, batch)
            batch, batch_bytes = [], 0
        batch.append(blob)
        batch_bytes += size
        read_bytes += size
    yield from _read_batch(top, batch)


def read_blobs(top: Path, blob_ids: Iterable[str], limit: int) -> dict[str, bytes | None]:
    """`iter_blobs` gathered: for a few small files (a study file, a codebook at one commit)."""
    return dict(iter_blobs(top, blob_ids, limit))


def _read_batch(top: Path, blobs: list[str]) -> Iterator[tuple[str, bytes | None]]:
    out, position = _cat_file(top, "--batch", blobs), 0
    for blob in blobs:
        end = out.find(b"\n", position)
        header = out[position:end].split() if end >= 0 else []
        if len(header) != 3 or not header[2].isdigit():
            yield blob, None
            continue
        size = int(header[2])
        yield blob, out[end + 1 : end + 1 + size]
        position = end + 1 + size + 1


def _cat_file(top: Path, mode: str, names: list[str]) -> bytes:
    if not names:
        return b""
    try:
        result = subprocess.run(
            ["git", "cat-file", mode],
            cwd=top,
            input="".join(f"{name}\n" for name in names).encode(),
            capture_output=True,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH); install git to read a study's history") from None
    return result.stdout


def blobs_at(top: Path, commits: Sequence[str], path: str) -> dict[str, str | None]:
    """The blob id of `path` at each commit (None where the commit has no such file), one `git cat-file` in all.

    `rev:path` names the tree entry itself: a link in the tree is never followed (its blob is the link's text)."""
    if any(ord(ch) < 32 for ch in path):
        return dict.fromkeys(commits)
    wanted = list(dict.fromkeys(commits))
    found: dict[str, str | None] = dict.fromkeys(wanted)
    out = _cat_file(top, "--batch-check", [f"{commit}:{path}" for commit in wanted])
    for commit, line in zip(wanted, out.split(b"\n"), strict=False):
        header = line.split()
        if len(header) == 3 and header[1] == b"blob":
            found[commit] = header[0].decode("ascii", "replace")
    return found


@dataclass(frozen=True)
class _Change:
    path: str  # the file's name after the commit
    blob: str | None  # None: the commit deleted it, or made it a link or a submodule
    before: str | None  # the name it had before, when the commit moved it
    added: bool  # the commit made the file (older commits' files of this name were others)


@dataclass(frozen=True)
class _Commit:
    sha: str
    merge: bool
    changes: list[_Change]


def _changes(top: Path, limit: int) -> tuple[list[_Commit], bool]:
    """What each commit of HEAD's history changed (newest first, a merge against its first parent), moves
    detected; and whether the history was cut at `limit` commits. Read once per repository and HEAD."""
    head = git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=top, check=False).stdout.strip()
    key = (str(top), head, limit)
    if key in _CHANGES:
        return _CHANGES[key]
    mark, record = _record_mark()
    args = ["log", f"--max-count={limit}", "--topo-order", "--raw", "-z", "--no-abbrev", "-M"]
    result = git([*args, "--diff-merges=first-parent", f"--format={mark}%H %P", "HEAD"], cwd=top, check=False)
    commits: list[_Commit] = []
    for entry in result.stdout.split(record)[1:] if result.returncode == 0 else []:
        header, _, raw = entry.partition("\0")
        commit, *parents = header.split()
        tokens = raw.lstrip("\n").split("\0")
        changes, index = [], 0
        while index < len(tokens):
            parts = tokens[index].split()
            if len(parts) != 5 or not parts[0].startswith(":"):
                index += 1
                continue
            mode, blob, status = parts[1], parts[3], parts[4]
            names = 2 if status[:1] in ("R", "C") else 1  # a move or copy names the file before and after
            named = tokens[index + 1 : index + 1 + names]
            index += 1 + names
            if len(named) != names:
                break
            regular = mode in ("100644", "100755") and set(blob) != {"0"}
            before = named[0] if status[:1] == "R" else None
            changes.append(_Change(named[-1], blob if regular else None, before, status[:1] == "A"))
        commits.append(_Commit(commit, len(parents) > 1, changes))
    found = (commits, len(commits) >= limit)
    _CHANGES.clear()  # one repository and HEAD at a time: a command reads one study
    _CHANGES[key] = found
    return found


_CHANGES: dict[tuple[str, str, int], tuple[list[_Commit], bool]] = {}


def _follow(
    commits: list[_Commit], paths: Sequence[str]
) -> tuple[dict[str, list[tuple[str, str | None]]], dict[str, list[str]]]:
    """Each file's versions (commit, blob; newest first) and the names it had (newest first), walking the history
    back: a move makes the earlier commits' file of the former name this one, while the later name still counts
    (a branch that forked before the move kept using it); a commit that made a file (not a merge bringing it)
    ends that name's history, so a name used again later is never taken for the file that had it before.
    One pass over the history, whatever the number of files and moves."""
    now_known_as: dict[str, str] = {path: path for path in paths}  # a name, at this point going back -> the file
    versions: dict[str, list[tuple[str, str | None]]] = {path: [] for path in paths}
    names: dict[str, list[str]] = {path: [path] for path in paths}
    for commit in commits:
        for change in commit.changes:
            target = now_known_as.get(change.path)
            if target is None:
                continue
            versions[target].append((commit.sha, change.blob))
            if change.before is not None and change.before != change.path:
                now_known_as[change.before] = target
                if change.before not in names[target]:
                    names[target].append(change.before)
            elif change.added and not commit.merge:
                del now_known_as[change.path]
    return versions, names


def followed_log(top: Path, path: str, limit: int = MAX_COMMITS) -> tuple[list[Commit], list[str]]:
    """The commits of HEAD's history that changed one file under any of its names, newest first, and those
    names, newest first: the file is followed across moves on every branch."""
    commits, _ = _changes(top, limit)
    names = _follow(commits, [path])[1][path]
    return log(top, ["--topo-order"], [literal(name) for name in names], limit), names


def file_versions(
    top: Path, paths: Sequence[str], limit: int = MAX_COMMITS
) -> tuple[dict[str, list[tuple[str, str | None]]], bool]:
    """Each file's committed versions, newest first: (commit, blob id, None where the commit deleted it or made it
    a link), under any name it had (followed across moves, on every branch); and whether the history was cut at
    `limit` commits. A merge counts as changing what differs from its first parent."""
    versions: dict[str, list[tuple[str, str | None]]] = {path: [] for path in paths}
    if not paths:
        return versions, False
    commits, cut = _changes(top, limit)
    return _follow(commits, paths)[0], cut


def descendants(top: Path, commit: str) -> set[str]:
    """The commits that have `commit` as an ancestor, up to HEAD (`git rev-list --ancestry-path commit..HEAD`)."""
    if not commit or commit.startswith("-"):
        return set()
    result = git(["rev-list", "--ancestry-path", f"{commit}..HEAD"], cwd=top, check=False)
    return set(result.stdout.split()) if result.returncode == 0 else set()
