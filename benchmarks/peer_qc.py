"""The closest terminal peer side by side: qc (qualitative-coding 1.7.8) against purer-tui on the same study.

Used by `python benchmarks/run.py --peer qc`. qc is installed once into its own virtual environment,
benchmarks/.peer-qc/ (git-ignored; never a dependency of purer-tui). The study is generated.py's shape with
one coder; the qc project is built from that study's own files through qc's documented workflow: `qc init`,
`qc corpus import` (verbatim), and `qc code` once per transcript, with a custom editor (settings.yaml's
`editors`) that puts a prepared codes file in place. A codes file has one line per line of the document, its
codes separated by commas; a transcript has one turn per line, so a turn's codes sit on its line. Both tools'
code counts are checked against the study before anything is timed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from generate import make_study

HERE = Path(__file__).resolve().parent
VERSION = "1.7.8"
ENVIRONMENT = HERE / ".peer-qc"
TRANSCRIPTS, TURNS, CODER = 20, 300, "ana"
RUNS = 5


class PeerUnavailable(Exception):
    """qc could not be installed, set up or run here (the message says why, in one line)."""


def _run(command: list[str], cwd: Path | None = None, what: str = "") -> str:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PeerUnavailable(f"{what or command[0]}: {error}") from error
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}").splitlines()[-1]
        raise PeerUnavailable(f"{what or ' '.join(command[:3])}: {last}")
    return done.stdout


def qc_command() -> list[str]:
    """The `qc` of its own environment, created and installed on first use."""
    python = ENVIRONMENT / "bin" / "python"
    marker = ENVIRONMENT / f".installed-{VERSION}"
    if not marker.exists():
        if ENVIRONMENT.exists():
            shutil.rmtree(ENVIRONMENT)
        print(f"installing qualitative-coding=={VERSION} into {ENVIRONMENT.name}/ (once)...", file=sys.stderr)
        _run([sys.executable, "-m", "venv", str(ENVIRONMENT)], what="creating qc's virtual environment")
        _run(
            [str(python), "-m", "pip", "install", "--quiet", f"qualitative-coding=={VERSION}"],
            what=f"pip install qualitative-coding=={VERSION}",
        )
        marker.write_text("")
    return [str(ENVIRONMENT / "bin" / "qc")]


def _expected_counts(study: Path) -> dict[str, int]:
    """Turns per code id, as the study's one coder applied them."""
    counts: dict[str, int] = {}
    for path in sorted((study / "transcripts").glob(f"*.{CODER}.jsonl")):
        for line in path.read_text().splitlines():
            for code in json.loads(line)["codes"]:
                counts[code] = counts.get(code, 0) + 1
    return counts


def make_qc_project(study: Path, folder: Path, qc: list[str]) -> Path:
    """A qc project holding `study`'s transcripts and its coder's codes (built once, reused)."""
    marker = folder / ".complete"
    if marker.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    print(f"building the qc project ({TRANSCRIPTS} x `qc code`, once)...", file=sys.stderr)
    (folder / "incoming").mkdir(parents=True)
    (folder / "codes-in").mkdir()
    settings = {
        "qc_version": VERSION,
        "corpus_dir": "corpus",
        "database": "qualitative_coding.sqlite3",
        "memos_dir": "memos",
        "codebook": "codebook.yaml",
        "log_file": "qualitative_coding.log",
        "verbose": "false",
        "editor": "prepared",
    }
    # A custom editor (a documented qc setting) that "codes" a document by copying its prepared codes file
    # into place; `qc code` runs it from the project folder with its usual placeholders.
    copy = 'cp "codes-in/$(basename "{corpus_file_path}")" "{codes_file_path}"'
    (folder / "settings.yaml").write_text(
        "".join(f"{key}: {value}\n" for key, value in settings.items())
        + f"editors:\n  prepared:\n    name: Prepared codes\n    code_command: '{copy}'\n    memo_command: 'true'\n"
    )
    for transcript in sorted((study / "transcripts").glob("*.txt")):
        (folder / "incoming" / transcript.name).write_text(transcript.read_text())
        records = {}
        for line in (study / "transcripts" / f"{transcript.stem}.{CODER}.jsonl").read_text().splitlines():
            record = json.loads(line)
            records[record["turn"]] = record["codes"]
        turns = len(transcript.read_text().splitlines())
        (folder / "codes-in" / transcript.name).write_text(
            "".join(", ".join(records.get(number, [])) + "\n" for number in range(1, turns + 1))
        )
    _run([*qc, "init"], cwd=folder, what="qc init")
    _run([*qc, "corpus", "import", "incoming", "--recursive", "--importer", "verbatim"], cwd=folder, what="qc import")
    for transcript in sorted((folder / "incoming").glob("*.txt")):
        _run([*qc, "code", CODER, "--pattern", transcript.name], cwd=folder, what=f"qc code {transcript.name}")
    marker.write_text("")
    return folder


def qc_counts(project: Path, qc: list[str]) -> dict[str, int]:
    """Turns per code as `qc codes stats` prints them (tab-separated)."""
    counts = {}
    for line in _run([*qc, "codes", "stats", "--format", "tsv"], cwd=project, what="qc codes stats").splitlines():
        cells = line.split("\t")
        if len(cells) >= 2 and cells[1].strip().isdigit():
            counts[cells[0].strip()] = int(cells[1])
    return counts


def purer_counts(study: Path) -> dict[str, int]:
    """Turns per code id as `purer-tui stats` reports them (its JSON names codes by their labels)."""
    from purer_tui.core.study import load_study

    ids = {code.label: code.id for code in load_study(study).load_codebook().codes}
    report = json.loads(_run([sys.executable, "-m", "purer_tui", "stats", str(study), "--json"], what="stats"))
    table = next(t for t in report["tables"] if t["table"] == "Code frequencies by coder")
    return {ids[row[0]]: row[-1] for row in table["rows"] if row[-1]}


def best_of(command: list[str], runs: int, cwd: Path | None = None) -> float:
    """The fastest of `runs` whole processes (seconds)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def measure(studies: Path, runs: int = RUNS) -> dict[str, object]:
    """Seconds for `qc codes stats` and `purer-tui stats` on the same study (best of `runs`), and their ratio."""
    qc = qc_command()
    study = make_study(studies / f"peer{TRANSCRIPTS}", TRANSCRIPTS, TURNS, 1)
    project = make_qc_project(study, studies / f"peer{TRANSCRIPTS}-qc", qc)
    expected = _expected_counts(study)
    if qc_counts(project, qc) != expected:
        raise PeerUnavailable("qc codes stats does not show the study's code counts")
    if purer_counts(study) != expected:
        raise PeerUnavailable("purer-tui stats does not show the study's code counts")
    qc_s = best_of([*qc, "codes", "stats"], runs, cwd=project)
    purer_s = best_of([sys.executable, "-m", "purer_tui", "stats", str(study)], runs)
    return {
        "peer_qc_version": VERSION,
        "peer_qc_transcripts": TRANSCRIPTS,
        "peer_qc_turns": TURNS,
        "peer_qc_codings": sum(expected.values()),
        "peer_qc_runs": runs,
        "peer_qc_s": qc_s,
        "peer_purer_stats_s": purer_s,
        "peer_qc_ratio": qc_s / purer_s,
    }
