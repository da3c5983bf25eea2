"""`agree --at REV` and `agree --history`: agreement on the study as each commit holds it, read from git objects."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.dom import minidom

import pytest
from click.testing import CliRunner

from purer_tui.cli import main
from purer_tui.core.study import load_study, transcripts_among
from purer_tui.gitwork import study_revision
from purer_tui.services.agreement_history import agreement_history
from tests.conftest import REPO

DEMO = REPO / "examples" / "demo"
TRANSCRIPTS = ["grp1-s01", "grp1-s02", "grp1-s03"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def git(repo: Path, *args: str, when: int = 0) -> str:
    date = f"2024-0{3 + when // 28}-{1 + when % 28:02d}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def agree_json(*args: str) -> dict:
    code, out, err = invoke("agree", *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def rounds(tmp_path: Path) -> tuple[Path, list[dict]]:
    """The demo study committed in three rounds (one transcript's coding each, tagged round-1..3), a change
    to the codebook between rounds 2 and 3, and what `agree --json` said on disk at each tag."""
    repo = tmp_path / "study"
    shutil.copytree(DEMO, repo)
    saved = tmp_path / "coding"
    saved.mkdir()
    for path in (repo / "transcripts").glob("*.jsonl"):
        path.rename(saved / path.name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "study and transcripts")
    on_disk = []
    for number, stem in enumerate(TRANSCRIPTS, start=1):
        if number == 3:  # the codebook is changed in its own commit: a row of its own
            codebook = repo / "codebooks" / "purer.toml"
            codebook.write_text(codebook.read_text().replace('label = "', 'label = "Revised: ', 1))
            git(repo, "commit", "-q", "-am", "codebook: clearer label", when=2 * number)
        for name in sorted(os.listdir(saved)):
            if name.startswith(stem + "."):
                shutil.copy(saved / name, repo / "transcripts" / name)
        if number == 3:  # a second coder for the third transcript: ben coded it like ana, but one turn
            lines = (repo / "transcripts" / "grp1-s03.ana.jsonl").read_text().splitlines()
            first = json.loads(lines[0])
            first["codes"] = [] if first["codes"] else ["stage-1"]
            (repo / "transcripts" / "grp1-s03.ben.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"round {number} coding", when=2 * number + 1)
        git(repo, "tag", f"round-{number}")
        on_disk.append(agree_json(str(repo)))
    return repo, on_disk


def test_at_each_round_is_what_agree_said_on_disk_then(rounds: tuple[Path, list[dict]]) -> None:
    repo, on_disk = rounds
    for number, expected in enumerate(on_disk, start=1):
        assert agree_json(str(repo), "--at", f"round-{number}") == expected
    assert on_disk[0] != on_disk[1] != on_disk[2]  # the rounds differ, so the comparison can fail


def test_at_reads_git_objects_not_the_disk(rounds: tuple[Path, list[dict]]) -> None:
    repo, on_disk = rounds
    # Uncommitted changes (and transcripts gone from disk) do not count: only the commit does.
    (repo / "transcripts" / "grp1-s01.ben.jsonl").write_text("")
    for path in (repo / "transcripts").glob("*.txt"):
        path.unlink()
    assert agree_json(str(repo), "--at", "HEAD") == on_disk[2]
    assert agree_json(str(repo)) != on_disk[2]


def test_at_takes_every_other_agree_option(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    code, out_at, _ = invoke("agree", str(repo), "--at", "round-2", "--coders", "ben,ana", "--transcripts", "*s02*")
    git(repo, "checkout", "-q", "round-2")
    code_disk, out_disk, _ = invoke("agree", str(repo), "--coders", "ben,ana", "--transcripts", "*s02*")
    assert code == code_disk == 0 and out_at == out_disk and "ben, ana" in out_at
    csv_disk = invoke("agree", str(repo), "--csv", "--coders", "ana,ben")[1]
    git(repo, "checkout", "-q", "main")
    assert invoke("agree", str(repo), "--at", "round-2", "--csv", "--coders", "ana,ben")[1] == csv_disk
    code, _, err = invoke("agree", str(repo), "--at", "round-1", "--coders", "ana,zoe")
    assert code == 2 and 'no coder "zoe"' in err
    code, _, err = invoke("agree", str(repo), "--at", "round-1", "--transcripts", "nothing-*")
    assert code == 2 and "no transcript matches" in err


def test_history_rows_equal_agree_at_each_commit(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    history = agree_json(str(repo), "--history")
    subjects = [row["subject"] for row in history["rows"]]
    assert subjects == [
        "study and transcripts",
        "round 1 coding",
        "round 2 coding",
        "codebook: clearer label",
        "round 3 coding",
    ]
    for row in history["rows"][1:]:
        at = agree_json(str(repo), "--at", row["commit"])
        assert row["alpha"] == at["overall"]["masi_alpha"]
        assert row["kappa"]["value"] == at["overall"]["mean_over_codes"]["kappa"]
        assert row["turns_shared"] == at["units"]["shared"] and row["coders"] == at["coders"]
    assert history["rows"][0]["note"].startswith("agreement needs at least two coders")
    alphas = [row["alpha"]["value"] for row in history["rows"][1:]]
    assert len(set(alphas)) > 1


def test_history_by_tags_one_row_per_round(rounds: tuple[Path, list[dict]]) -> None:
    repo, on_disk = rounds
    history = agree_json(str(repo), "--history", "--tags")
    assert [row["tags"] for row in history["rows"]] == [["round-1"], ["round-2"], ["round-3"]]
    for row, expected in zip(history["rows"], on_disk, strict=True):
        assert row["alpha"] == expected["overall"]["masi_alpha"]
        assert row["kappa"]["value"] == expected["overall"]["mean_over_codes"]["kappa"]
    code, out, _ = invoke("agree", str(repo), "--history", "--tags")
    assert code == 0 and out.index("round-1") < out.index("round-2") < out.index("round-3")


def test_history_of_one_code_and_since(rounds: tuple[Path, list[dict]]) -> None:
    repo, on_disk = rounds
    history = agree_json(str(repo), "--history", "--tags", "--code", "stage-1")
    for row, expected in zip(history["rows"], on_disk, strict=True):
        figures = next(item for item in expected["codes"] if item["code"] == "stage-1")
        assert row["alpha"] == figures["alpha"]
        assert row["kappa"]["value"] == figures["kappa"]["value"]
    groups = agree_json(str(repo), "--history", "--tags", "--code", "stage")
    for row, expected in zip(groups["rows"], on_disk, strict=True):
        figures = next(item for item in expected["exclusive_groups"] if item["group"] == "stage")
        assert row["alpha"] == figures["alpha"] and row["kappa"]["value"] is None
    later = agree_json(str(repo), "--history", "--since", "2024-03-07")
    assert [row["subject"] for row in later["rows"]] == ["codebook: clearer label", "round 3 coding"]
    code, _, err = invoke("agree", str(repo), "--history", "--code", "no-such-code")
    assert code == 2 and 'no code "no-such-code"' in err
    code, _, err = invoke("agree", str(repo), "--history", "--since", "last tuesday")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = invoke("agree", str(repo), "--since", "2024-01-01")
    assert code == 2 and "--since goes with --history" in err
    code, _, err = invoke("agree", str(repo), "--history", "--at", "HEAD")
    assert code == 2 and "one of --at and --history" in err


def test_history_csv_and_svg(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    git(repo, "commit", "-q", "--allow-empty", "-m", "\x1b[31mred <b>&\x07", when=40)
    git(repo, "tag", "round<4>&")
    chart = repo.parent / "rounds.svg"
    code, out, err = invoke("agree", str(repo), "--history", "--tags", "--csv", "--svg", str(chart))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("commit,date,label,coders,transcripts,turns_shared,alpha")
    assert [line.split(",")[2] for line in lines[1:]] == ["round-1", "round-2", "round-3", "round<4>&"]
    svg = chart.read_text()
    document = minidom.parseString(svg)  # well-formed: every label escaped
    texts = " ".join(node.data for node in _text_nodes(document))
    assert "round<4>&" in texts and "α (MASI)" in texts and "mean κ" in texts
    assert svg.count("<circle") == 2 * 4
    assert "\x1b" not in svg and "\x07" not in svg
    assert (chart.stat().st_mode & 0o777) == ((repo / "purer.toml").stat().st_mode & 0o777) & 0o666


def _text_nodes(node: minidom.Node) -> list[minidom.Text]:
    found = [node] if node.nodeType == node.TEXT_NODE else []
    for child in node.childNodes:
        found.extend(_text_nodes(child))
    return found


def test_each_annotation_version_is_parsed_once(rounds: tuple[Path, list[dict]], monkeypatch) -> None:
    repo, _ = rounds
    parsed: list[str] = []
    real = study_revision.parse_annotations

    def counting(text: str, path: Path):  # type: ignore[no-untyped-def]
        parsed.append(str(path))
        return real(text, path)

    read: list[str] = []
    real_read = study_revision.read_blobs

    def recording(top: Path, blobs, limit: int):  # type: ignore[no-untyped-def]
        blobs = list(blobs)
        read.extend(blobs)
        return real_read(top, blobs, limit)

    monkeypatch.setattr(study_revision, "parse_annotations", counting)
    monkeypatch.setattr(study_revision, "read_blobs", recording)
    rows = agreement_history(repo).rows
    transcript_blobs = {
        line.split()[2]
        for line in git(repo, "ls-tree", "-r", "HEAD", "transcripts").splitlines()
        if ".jsonl" not in line
    }
    assert transcript_blobs and not transcript_blobs & set(read)  # transcript texts are never read
    assert len(rows) == 5
    changes = git(repo, "log", "--format=", "--raw", "--no-abbrev", "--", "transcripts").splitlines()
    blobs = {line.split()[3] for line in changes if line.endswith(".jsonl")}
    assert len(blobs) == 6  # six annotation files, each committed once, read at up to four commits each
    assert len(parsed) == len(blobs) and len(set(parsed)) == len(parsed)


def test_rows_are_bounded(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    found = agreement_history(repo, limit=2)
    assert found.left_out == 3 and [row.commit.subject for row in found.rows] == [
        "codebook: clearer label",
        "round 3 coding",
    ]
    code, out, _ = invoke("agree", str(repo), "--history")
    assert code == 0 and "left out" not in out


def test_a_broken_file_at_a_commit_is_one_line_naming_it(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    codebook = repo / "codebooks" / "purer.toml"
    codebook.write_text("[codes\n")
    git(repo, "commit", "-q", "-am", "broken codebook", when=50)
    head = git(repo, "rev-parse", "--short=7", "HEAD")
    code, _, err = invoke("agree", str(repo), "--at", "HEAD")
    assert code == 1 and err.count("\n") == 1
    assert f"purer.toml@{head}:1: TOML syntax error" in err and "Traceback" not in err
    history = agree_json(str(repo), "--history")
    assert "TOML syntax error" in history["rows"][-1]["note"] and history["rows"][-1]["alpha"]["value"] is None
    (repo / "transcripts" / "grp1-s01.ana.jsonl").write_text("{not json\n")
    git(repo, "commit", "-q", "-am", "broken coding", when=51)
    code, _, err = invoke("agree", str(repo), "--at", "round-3")
    assert code == 0
    code, _, err = invoke("agree", str(repo), "--at", "round-1~1")
    assert code == 0  # before any coding: not computable, said in the report


def test_revisions_and_repositories_refused_in_one_line(rounds: tuple[Path, list[dict]], tmp_path: Path) -> None:
    repo, _ = rounds
    for revision, message in [
        ("--output=x", "is not a revision"),
        ("no-such-tag", 'no commit "no-such-tag"'),
    ]:
        code, _, err = invoke("agree", str(repo), "--at", revision)
        assert code == 1 and message in err and err.count("\n") == 1
    plain = tmp_path / "plain"
    shutil.copytree(DEMO, plain)
    code, _, err = invoke("agree", str(plain), "--at", "HEAD")
    assert code == 1 and "is not in a git repository" in err and err.count("\n") == 1
    code, _, err = invoke("agree", str(plain), "--history")
    assert code == 1 and "is not in a git repository" in err


def test_a_study_added_later_in_a_subfolder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README").write_text("x\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "before the study")
    shutil.copytree(DEMO, repo / "my [study]")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the study", when=1)
    study = repo / "my [study]"
    assert agree_json(str(study), "--at", "HEAD") == agree_json(str(study))
    code, _, err = invoke("agree", str(study), "--at", "HEAD~1")
    assert code == 1 and "no purer.toml in my [study] at commit" in err
    assert len(agree_json(str(study), "--history")["rows"]) == 1


def test_transcripts_among_matches_what_the_disk_glob_finds(tmp_path: Path) -> None:
    study = tmp_path / "s"
    shutil.copytree(DEMO, study)
    for name in [
        "transcripts/a/b/deep.txt",
        "transcripts/.hidden/h.txt",
        "transcripts/.h.txt",
        "transcripts/x.lock",
        "transcripts/x.tmp",
        "transcripts/x.toml",
        "transcripts/x [1].txt",
        "transcripts/session10.txt",
        "transcripts/session2.txt",
        "other/o.srt",
    ]:
        (study / name).parent.mkdir(parents=True, exist_ok=True)
        (study / name).write_text("x\n")
    files = [path.relative_to(study).as_posix() for path in study.rglob("*") if path.is_file()]
    original = (study / "purer.toml").read_text()
    for patterns in [
        ["transcripts/*.txt", "transcripts/*.vtt"],
        ["transcripts/**/*.txt"],
        ["**/*.srt", "**"],
        ["transcripts/.*.txt", "transcripts/?ession*.txt", "transcripts/[gs]*"],
        ["transcripts/**"],
    ]:
        toml = re.sub(r"(?m)^transcripts = .*$", f"transcripts = {json.dumps(patterns)}", original)
        (study / "purer.toml").write_text(toml)
        loaded = load_study(study)
        assert loaded.settings.transcripts == patterns
        assert transcripts_among(loaded.root, patterns, files) == loaded.transcript_paths(), patterns


def test_a_consensus_at_a_commit_is_left_out_and_a_link_is_never_read(
    rounds: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    repo, on_disk = rounds
    transcripts = repo / "transcripts"
    shutil.copy(transcripts / "grp1-s01.ana.jsonl", transcripts / "grp1-s01.consensus.jsonl")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "consensus", when=60)
    at = agree_json(str(repo), "--at", "HEAD")
    assert at == agree_json(str(repo)) == on_disk[2] and at["coders"] == ["ana", "ben"]
    named = agree_json(str(repo), "--at", "HEAD", "--coders", "consensus,ben")
    assert named["coders"] == ["consensus", "ben"] and named != at
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text((transcripts / "grp1-s01.ben.jsonl").read_text())
    (transcripts / "grp1-s01.cy.jsonl").symlink_to(outside)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a link", when=61)
    assert agree_json(str(repo), "--at", "HEAD")["coders"] == ["ana", "ben"]


def test_no_row_since_a_date_says_what_was_looked_for(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    code, out, _ = invoke("agree", str(repo), "--history", "--since", "2030-01-01")
    assert code == 0 and "No commit since 2030-01-01 changed the study's coding, codebook or study file." in out
    code, out, _ = invoke("agree", str(repo), "--history", "--tags", "--since", "2030-01-01")
    assert code == 0 and "No tagged commit since 2030-01-01." in out
    assert agree_json(str(repo), "--history", "--since", "2030-01-01")["rows"] == []


def test_an_exclusive_group_has_no_kappa_and_says_why(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    groups = agree_json(str(repo), "--history", "--tags", "--code", "stage")
    assert all(row["kappa"]["value"] is None for row in groups["rows"])
    assert all("per code only" in row["kappa"]["note"] for row in groups["rows"])
    assert agree_json(str(repo), "--history", "--tags", "--code", "stage-1")["rows"][0]["kappa"]["note"] is None
    chart = repo.parent / "stage.svg"
    code, out, _ = invoke("agree", str(repo), "--history", "--tags", "--code", "stage", "--svg", str(chart))
    assert code == 0 and "n/a" not in out and "κ -: kappa is computed per code only" in out
    rows = [line for line in out.splitlines() if "round-" in line]
    assert len(rows) == 3 and all(line.rstrip(" │").endswith(" -") for line in rows)
    assert "κ stage" not in chart.read_text() and "α stage" in chart.read_text()


def test_history_rows_stay_on_one_line_at_80_columns(rounds: tuple[Path, list[dict]]) -> None:
    repo, _ = rounds
    transcripts = repo / "transcripts"
    shutil.copy(transcripts / "grp1-s01.ana.jsonl", transcripts / "grp1-s01.cyrille.jsonl")
    git(repo, "add", "-A")
    subject = "Round 4: cyrille codes the first transcript after the second training session with everyone"
    git(repo, "commit", "-q", "-m", subject, when=70)
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["agree", str(repo), "--history"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if re.match(r"[0-9a-f]{7}\s+2024-", line)]
    assert len(rows) == 6  # one line per commit: nothing wrapped onto a next line
    assert "ana,ben,cyrille" in rows[-1] and "Round 4: cyr…" in rows[-1]
    assert rows[0].rstrip().endswith("1")  # the first commit's note is told below the table, by number
    assert any(line.startswith("note 1: agreement needs at least two coders") for line in lines)


def test_a_split_in_progress_is_said_wherever_agreement_is_shown(rounds: tuple[Path, list[dict]]) -> None:
    repo, on_disk = rounds
    assert on_disk[2]["split_in_progress"] == []
    code, _, err = invoke("codebook", "split", "stage-1", "--into", "stage-1a,stage-1b", "--study", str(repo), "--yes")
    assert code == 0, err
    git(repo, "commit", "-q", "-am", "split stage-1", when=80)
    carrying = {
        (path.name.split(".")[0], json.loads(line)["turn"])
        for path in (repo / "transcripts").glob("*.*.jsonl")
        for line in path.read_text().splitlines()
        if "stage-1" in json.loads(line).get("codes", [])
    }
    assert carrying  # the demo codes some turns stage-1
    now = agree_json(str(repo))
    [split] = now["split_in_progress"]
    assert split["code"] == "stage-1" and split["split_into"] == ["stage-1a", "stage-1b"]
    assert split["turns"] == len(carrying) and "purer-tui code --recheck stage-1" in split["note"]
    assert agree_json(str(repo), "--at", "HEAD") == now
    code, out, _ = invoke("agree", str(repo))
    assert code == 0 and f'Split in progress: {len(carrying)} turn(s) still carry split code "stage-1"' in out
    assert "stage-1a, stage-1b are incomplete" in out
    csv_rows = invoke("agree", str(repo), "--csv")[1].splitlines()
    assert f"incomplete: {len(carrying)} turn(s) still carry split code stage-1" in next(
        row for row in csv_rows if ",stage-1a," in row
    )
    rows = agree_json(str(repo), "--history")["rows"]
    assert f'split "stage-1" still on {len(carrying)} turn(s)' in rows[-1]["note"]
    assert "code --recheck stage-1" in rows[-1]["note"] and not rows[-2]["note"]


def test_history_of_a_code_follows_it_across_renames(rounds: tuple[Path, list[dict]]) -> None:
    repo, on_disk = rounds
    code, _, err = invoke("codebook", "rename", "stage-1", "attention", "--study", str(repo), "--yes")
    assert code == 0, err
    git(repo, "commit", "-q", "-am", "rename stage-1", when=80)
    git(repo, "tag", "round-4")
    # A merge into a new id renames the first code merged: stage-2a's rows continue as stage-2.
    code, _, err = invoke("codebook", "merge", "stage-2a", "stage-2b", "--into", "stage-2", "--study", str(repo), "-y")
    assert code == 0, err
    git(repo, "commit", "-q", "-am", "merge stage-2a and 2b", when=81)
    git(repo, "tag", "round-5")
    now = agree_json(str(repo))
    for asked in ("attention", "stage-1"):  # today's id, or the id it had
        rows = agree_json(str(repo), "--history", "--tags", "--code", asked)["rows"]
        for row, expected in zip(rows, on_disk, strict=False):
            figures = next(item for item in expected["codes"] if item["code"] == "stage-1")
            assert row["alpha"] == figures["alpha"] and row["kappa"]["value"] == figures["kappa"]["value"]
            assert row["note"] == ("as stage-1" if asked == "attention" else None)
        figures = next(item for item in now["codes"] if item["code"] == "attention")
        assert rows[-1]["alpha"] == figures["alpha"] and figures["alpha"]["units"] > 0
        assert rows[-1]["note"] == ("as attention" if asked == "stage-1" else None)
    rows = agree_json(str(repo), "--history", "--tags", "--code", "stage-2")["rows"]
    for row, expected in zip(rows, on_disk, strict=False):
        figures = next(item for item in expected["codes"] if item["code"] == "stage-2a")
        assert row["alpha"] == figures["alpha"] and row["note"] == "as stage-2a"
    assert rows[-1]["note"] is None and rows[-1]["alpha"]["value"] is not None
    code, out, _ = invoke("agree", str(repo), "--history", "--tags", "--code", "attention")
    assert code == 0 and "n/a" not in out and "as stage-1" in out
