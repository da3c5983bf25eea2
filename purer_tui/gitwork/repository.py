"""Running git: one place that knows how to call it and how it fails."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.errors import PurerError


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


def work_tree_of(start: Path) -> Path | None:
    """The top of the git work tree holding `start`, found without running git; None outside one."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


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


def followed_log(top: Path, path: str, limit: int = MAX_COMMITS) -> tuple[list[Commit], list[str]]:
    """The commits of HEAD's history that changed one file, newest first, following it across moves
    (`git log --follow`), and the names it had, newest first."""
    mark, record = _record_mark()
    result = git(
        [
            "log",
            "--follow",
            f"--max-count={limit}",
            "-z",
            "--name-status",
            f"--format={mark}%H%x1f%cI%x1f%P%x1f%s",
            "HEAD",
            "--",
            literal(path),
        ],
        cwd=top,
        check=False,
    )
    commits: list[Commit] = []
    names = [path]
    if result.returncode != 0:
        return commits, names
    for entry in result.stdout.split(record)[1:]:
        header, _, changes = entry.partition("\0")
        fields = header.split("\x1f", 3)
        if len(fields) != 4:
            continue
        sha, date, parents, subject = fields
        commits.append(Commit(sha, date, subject, tuple(parents.split())))
        tokens = changes.lstrip("\n").split("\0")
        if tokens and tokens[0][:1] in ("R", "C") and len(tokens) >= 3 and tokens[1] not in names:
            names.append(tokens[1])  # the name before this commit moved it
    return commits, names


def file_versions(
    top: Path, paths: Sequence[str], limit: int = MAX_COMMITS
) -> tuple[dict[str, list[tuple[str, str | None]]], bool]:
    """Each file's committed versions, newest first: (commit, blob id, None where the commit deleted it or made it
    a link), from one `git log` of HEAD, following each file across moves (a study's folders reorganised); and
    whether the log was cut at `limit` commits. A merge counts as changing what differs from its first parent."""
    versions: dict[str, list[tuple[str, str | None]]] = {path: [] for path in paths}
    if not paths:
        return versions, False
    mark, record = _record_mark()
    args = [
        "log",
        f"--max-count={limit}",
        "--topo-order",
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        "--diff-merges=first-parent",
        f"--format={mark}%H",
        "HEAD",
    ]
    result = git(args, cwd=top, check=False)
    if result.returncode != 0:
        return versions, False
    followed = {path: path for path in paths}  # a name in the history read so far -> the file it is now
    commits = 0
    for entry in result.stdout.split(record)[1:]:
        commit, _, changes = entry.partition("\0")
        commits += 1
        tokens = changes.lstrip("\n").split("\0")
        index = 0
        while index < len(tokens):
            parts = tokens[index].split()
            if len(parts) != 5 or not parts[0].startswith(":"):
                index += 1
                continue
            mode, blob, status = parts[1], parts[3], parts[4]
            moved = status[:1] in ("R", "C")
            before, after = (tokens[index + 1], tokens[index + 2]) if moved and index + 2 < len(tokens) else (None, "")
            if not moved:
                after = tokens[index + 1] if index + 1 < len(tokens) else ""
            index += 3 if moved else 2
            target = followed.get(after)
            if target is None:
                continue
            regular = mode in ("100644", "100755") and set(blob) != {"0"}
            versions[target].append((commit, blob if regular else None))
            if status[:1] == "R" and before is not None:
                del followed[after]
                followed[before] = target  # older commits knew it by its former name
    return versions, commits >= limit


def descendants(top: Path, commit: str) -> set[str]:
    """The commits that have `commit` as an ancestor, up to HEAD (`git rev-list --ancestry-path commit..HEAD`)."""
    if not commit or commit.startswith("-"):
        return set()
    result = git(["rev-list", "--ancestry-path", f"{commit}..HEAD"], cwd=top, check=False)
    return set(result.stdout.split()) if result.returncode == 0 else set()
