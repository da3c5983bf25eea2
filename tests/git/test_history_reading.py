"""Reading many versions from git: each blob as it is read, in bounded batches, within a total."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from purer_tui.gitwork import repository
from purer_tui.gitwork.repository import iter_blobs, read_blobs, tree_files


def repo_with_files(tmp_path: Path, sizes: list[int]) -> tuple[Path, list[str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    for number, size in enumerate(sizes):
        (repo / f"f{number}.txt").write_bytes(bytes([65 + number]) * size)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=repo, check=True)
    files = tree_files(repo, "HEAD")
    return repo, [files[f"f{number}.txt"] for number in range(len(sizes))]


def test_blobs_come_in_bounded_batches_and_each_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, blobs = repo_with_files(tmp_path, [300, 700, 50, 1000, 10])
    whole = read_blobs(repo, blobs, limit=10_000)
    batches: list[list[str]] = []
    real = repository._read_batch
    monkeypatch.setattr(repository, "MAX_BATCH_BYTES", 1000)
    monkeypatch.setattr(repository, "_read_batch", lambda top, batch: (batches.append(batch), real(top, batch))[1])
    streamed = dict(iter_blobs(repo, blobs, limit=10_000))
    assert streamed == whole and [len(whole[blob] or b"") for blob in blobs] == [300, 700, 50, 1000, 10]
    assert len(batches) > 1 and all(sum(len(whole[b] or b"") for b in batch) <= 1000 for batch in batches)


def test_a_blob_over_the_limit_or_past_the_total_is_none_and_never_read(tmp_path: Path) -> None:
    repo, blobs = repo_with_files(tmp_path, [100, 5000, 100, 100])
    found = dict(iter_blobs(repo, [*blobs, "0" * 40], limit=1000, total=250))
    assert found[blobs[1]] is None  # over the limit
    assert found[blobs[0]] is not None and found[blobs[2]] is not None
    assert found[blobs[3]] is None  # past the total of 250 bytes
    assert found["0" * 40] is None  # no such blob


def test_a_subject_or_file_name_that_mimics_log_separators_fakes_no_commit(tmp_path: Path) -> None:
    repo, _ = repo_with_files(tmp_path, [10])
    fake = "x\x1f2020-01-01T00:00:00+00:00\x1f\x1fforged\x1e" + "f" * 40 + "\x1f2020\x1f\x1fforged"
    (repo / "f0.txt").write_text("changed")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", fake], cwd=repo, check=True)
    commits = repository.log(repo, [], ["f0.txt"])
    assert len(commits) == 2 and commits[0].subject == fake
    followed, names = repository.followed_log(repo, "f0.txt")
    assert [commit.sha for commit in followed] == [commit.sha for commit in commits] and names == ["f0.txt"]
    odd = "a\x1eb.txt"
    (repo / odd).write_text("x")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "odd"], cwd=repo, check=True)
    versions, _ = repository.file_versions(repo, ["f0.txt", odd])
    assert len(versions["f0.txt"]) == 2 and len(versions[odd]) == 1
