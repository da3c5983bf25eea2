"""purer-tui's benchmarks: start-up, the coding app's first screen and key presses, and study-scale commands.

    python benchmarks/run.py                 # measure, print a table, write benchmarks/results/latest.json
    python benchmarks/run.py --readme        # ... and put the figures in README.md
    python benchmarks/run.py --quick         # fewer repetitions, for a first look
    python benchmarks/run.py --peer qc       # ... and `stats` against qc's `qc codes stats` (see peer_qc.py)
    python benchmarks/run.py --peer qc --peer-only [--readme]   # only that comparison (and its README row)

Run it from the development install (`pip install -e '.[test]'`): it starts
`python -m purer_tui` with the interpreter running it. Synthetic studies are
generated once (deterministic seed) under benchmarks/studies/. Each figure is the
median of several runs. Not part of the test suite: timings belong here, not in
tests that could fail on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import WORDS, make_study, make_transcript_study  # noqa: E402
from peer_qc import PeerUnavailable, measure  # noqa: E402

REPO = HERE.parent
STUDIES = HERE / "studies"
RESULTS = HERE / "results"
TARGETS = {
    "help_s": 0.100,
    "small_ratio": 2.5,  # stats, check, agree and quotes on 20 transcripts, each within this many times `--help`
    "check_30_s": 0.400,
    "first_screen_s": 0.700,
    "first_screen_ratio": 1.3,
    "study_screen_ratio": 1.2,
    "switch_s": 0.150,
    "key_ms": 5.0,
    "study_search_s": 4.0,
    "similarity_build_s": 10.0,
    "suggestion_train_s": 10.0,
    "check_s": 5.0,
    "agree_s": 5.0,
    "stats_s": 5.0,
    "export_csv_s": 5.0,
    "memory_mb": 1024,
    "growth_ratio": 10.0,  # 10x the data: at most linear
    "peer_qc_ratio": 10.0,  # at least this many times faster than `qc codes stats`
}
PEER_ROW = "| `stats` vs `qc codes stats`"


def purer(*args: str) -> list[str]:
    return [sys.executable, "-m", "purer_tui", *args]


def timed_run(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of one whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"benchmark command failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss / 1024


def median_run(command: list[str], runs: int, cwd: Path | None = None) -> tuple[float, float]:
    results = [timed_run(command, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


#: The commands timed on a small study, each against `--help` in the same run (the quotes of one code).
SMALL_COMMANDS = {
    "stats": ["stats"],
    "check": ["check"],
    "agree": ["agree"],
    "quotes": ["quotes", "stage-4"],
}


def own_repository(study: Path) -> Path:
    """Make a generated study a git repository of its own with one commit, as a team's study is (`check` then
    also reads its history for turns coded under an older definition)."""
    if not (study / ".git").exists():
        env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org"}
        env.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.org")
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the study"]):
            subprocess.run(["git", *command], cwd=study, env=env, check=True, capture_output=True)
    return study


def import_times(command: list[str], cwd: Path, top: int = 8) -> list[tuple[str, float]]:
    """`python -X importtime`: the modules a command imports itself (top level), by cumulative milliseconds,
    largest first, and their sum as "all"."""
    result = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )
    found: list[tuple[str, float]] = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match:  # no indentation before the name: imported by the command, not by another module
            found.append((match.group(2), int(match.group(1)) / 1000))
    found.sort(key=lambda item: -item[1])
    return [("all", sum(ms for _, ms in found)), *found[:top]]


def _terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env.update(TERM="xterm-256color")
    return env


def _start(study: Path, coder: str):  # type: ignore[no-untyped-def]
    import pexpect

    return pexpect.spawn(
        sys.executable,
        ["-m", "purer_tui", "code", str(study), "--coder", coder],
        env=_terminal_env(),
        dimensions=(24, 80),
        timeout=120,
    )


def _quit(child) -> None:  # type: ignore[no-untyped-def]
    import pexpect

    child.send("q")
    child.expect(pexpect.EOF)
    child.close()


def first_screen(
    study: Path, runs: int, coder: str = "bench", shown: str = "reviewed yet", settle: float = 0.0
) -> float:
    """Seconds from starting `purer-tui code` in a pseudo-terminal to the first screen being drawn.

    `settle`: seconds the app is left running before quitting (its workers count the study and keep the index).
    """
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        child = _start(study, coder)
        child.expect(shown)
        times.append(time.perf_counter() - started)
        time.sleep(settle)
        _quit(child)
    return statistics.median(times)


def study_first_screen(study: Path, runs: int) -> tuple[float, float]:
    """The first screen for a coder who has coded every turn: on a clone opened for the first time (no index,
    no saved position: one run), and then as every later opening finds it (median of `runs`)."""
    shutil.rmtree(study / ".purer", ignore_errors=True)
    first = first_screen(study, 1, "ana", r"Turn \d+/", settle=3.0)
    return first, first_screen(study, runs, "ana", r"Turn \d+/", settle=1.0)


def switch_time(study: Path, runs: int, read_ahead: bool) -> float:
    """Seconds from pressing ] to the next 20,000-turn transcript being on screen; with `read_ahead`, after the
    app had a few seconds to read it ahead, else at once after the first screen."""
    times = []
    for _ in range(runs):
        child = _start(study, "ana")
        child.expect(r"Turn \d+/")
        time.sleep(4.0 if read_ahead else 0.0)
        started = time.perf_counter()
        child.send("]")
        child.expect(" 2/2")
        times.append(time.perf_counter() - started)
        time.sleep(1.0)
        _quit(child)
    return statistics.median(times)


def key_latency(study: Path, presses: int) -> float:
    """Median ms for a code key: the app's handler, the fsynced journal append and the re-render (no Pilot waits)."""
    from purer_tui.services.coding_setup import prepare_session
    from purer_tui.tui.app import CodingApp

    prepared = prepare_session([study], "keys", None, [], False)
    app = CodingApp.from_prepared(prepared)
    code = prepared.session.codebook.codes[0].id
    times: list[float] = []

    async def press() -> None:
        async with app.run_test(size=(80, 24)):
            prepared.session.goto_turn(len(prepared.session.current.transcript.turns) // 2)
            for _ in range(presses):
                started = time.perf_counter()
                app.toggle_code(code)
                times.append((time.perf_counter() - started) * 1000)

    try:
        asyncio.run(press())
    finally:
        prepared.session.close()
        prepared.locks.release()
    return statistics.median(times)


def study_search_time(study: Path, runs: int) -> float:
    """Median seconds to search every turn of a study for a phrase, as the app's worker does (`/`, then tab)."""
    from purer_tui.core.session import CodingSession
    from purer_tui.core.study import load_study

    loaded = load_study(study)
    session = CodingSession(loaded.transcript_paths(), loaded.load_codebook(), "ana")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.search_study("tension breathing")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def similarity_build_time(runs: int, words: int = 900_000) -> float:
    """Median seconds to tokenize and index `words` words of turns for "turns like this one" (BM25)."""
    import random

    from purer_tui.core.similarity import build_index

    rng = random.Random(11)
    turns: list[tuple[tuple[str, int], str]] = []
    counted = 0
    while counted < words:
        length = min(rng.randint(5, 60), words - counted)
        turns.append(((f"t{len(turns) // 300:04d}", len(turns) % 300 + 1), " ".join(rng.choices(WORDS, k=length))))
        counted += length
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        build_index(turns)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def suggestion_train_time(runs: int, words: int = 900_000) -> float:
    """Median seconds to tokenize `words` words of coded turns and train the suggestion model on them (the demo
    codebook: therapist turns get one or two PURER moves, participant turns a stage or nothing)."""
    import random

    from purer_tui.core.codebook import load_codebook
    from purer_tui.core.similarity import tokenize
    from purer_tui.core.suggestion_model import SuggestionModel, TrainingTurn

    codebook = load_codebook(REPO / "examples" / "demo" / "codebooks" / "purer.toml")
    moves = [code.id for code in codebook.codes if code.group == "purer"]
    stages = [code.id for code in codebook.codes if code.group == "stage"]
    rng = random.Random(12)
    turns: list[tuple[str, str, tuple[str, ...]]] = []
    counted = 0
    while counted < words:
        length = min(rng.randint(5, 60), words - counted)
        staff = len(turns) % 2 == 0
        codes = tuple(rng.sample(moves, rng.randint(1, 2))) if staff else tuple(rng.choices([*stages, ""], k=1))
        turns.append((" ".join(rng.choices(WORDS, k=length)), "staff" if staff else "participant", codes))
        counted += length
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        SuggestionModel.train(
            codebook, (TrainingTurn(tokenize(text), role, [c for c in codes if c]) for text, role, codes in turns)
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{f' ({model})' if model else ''}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--readme", action="store_true", help="write the figures into README.md")
    parser.add_argument(
        "--peer",
        choices=["qc"],
        help="also time `stats` against qc (qualitative-coding, installed into benchmarks/.peer-qc/ when asked)",
    )
    parser.add_argument("--peer-only", action="store_true", help="with --peer: only that comparison")
    options = parser.parse_args()
    if options.peer_only and not options.peer:
        parser.error("--peer-only needs --peer qc")
    runs = 3 if options.quick else 7
    big_runs = 1 if options.quick else 3
    # An installed package is byte-compiled by pip; a development checkout may not be (and with
    # PYTHONDONTWRITEBYTECODE set never is), which would time the compiler, not purer-tui.
    compileall.compile_dir(REPO / "purer_tui", quiet=1)
    STUDIES.mkdir(exist_ok=True)
    # The studies are generated inside this project's checkout: git must never take the project's own history
    # for theirs. A study that is a repository of its own (below) is still found.
    os.environ["GIT_CEILING_DIRECTORIES"] = str(STUDIES)
    peer: dict[str, object] = {}
    if options.peer:
        try:
            peer = measure(STUDIES)
        except PeerUnavailable as error:
            raise SystemExit(f"--peer qc: qc cannot be installed or run here: {error}") from None
        print(
            f"`qc codes stats` {peer['peer_qc_s']:.3f} s, `purer-tui stats` {peer['peer_purer_stats_s']:.3f} s "
            f"(best of {peer['peer_qc_runs']}): purer-tui {peer['peer_qc_ratio']:.1f}x faster",
            file=sys.stderr,
        )
        if options.peer_only:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "peer-qc.json").write_text(json.dumps(peer, indent=1) + "\n")
            row = peer_row(peer)
            print(row)
            if options.readme:
                update_readme_row(row)
            return
    print("generating studies (once)...", file=sys.stderr)
    studies = {
        "t200": make_transcript_study(STUDIES / "t200", 200),
        "t2000": make_transcript_study(STUDIES / "t2000", 2_000),
        "t20000": make_transcript_study(STUDIES / "t20000", 20_000),
        "s30": make_study(STUDIES / "s30", 30, 300, 3),
        "s100": make_study(STUDIES / "s100", 100, 300, 3),
        "s1000": make_study(STUDIES / "s1000", 1_000, 300, 3),
        "s20x60": make_study(STUDIES / "s20x60", 20, 60, 2),
        "s20": own_repository(make_study(STUDIES / "s20", 20, 300, 2)),
        "s300x300": make_study(STUDIES / "s300x300", 300, 300, 3),
        "two20000": make_study(STUDIES / "two20000", 2, 20_000, 1),
    }
    results: dict[str, object] = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), **peer}
    print("start-up...", file=sys.stderr)
    results["help_s"], _ = median_run(purer("--help"), runs)
    for name, args in SMALL_COMMANDS.items():
        results[f"small_{name}_s"], _ = median_run(purer(*args), runs, cwd=studies["s20"])
        results[f"small_{name}_ratio"] = results[f"small_{name}_s"] / results["help_s"]  # type: ignore[operator]
    results["imports"] = {
        " ".join(args): import_times(purer(*args), studies["s20"])
        for args in (["--help"], ["stats", "--csv"], ["stats"], ["check"], ["agree"])
    }
    results["check_30_s"], _ = median_run(purer("check", str(studies["s30"])), runs)
    print("the coding app...", file=sys.stderr)
    results["first_screen_200_s"] = first_screen(studies["t200"], runs)
    results["first_screen_20000_s"] = first_screen(studies["t20000"], runs)
    results["first_screen_ratio"] = results["first_screen_20000_s"] / results["first_screen_200_s"]  # type: ignore[operator]
    for size in ("200", "2000", "20000"):
        results[f"key_{size}_ms"] = key_latency(studies[f"t{size}"], 41 if options.quick else 201)
    results["key_ratio"] = results["key_20000_ms"] / results["key_200_ms"]  # type: ignore[operator]
    print("the coding app at study scale...", file=sys.stderr)
    for name in ("s20x60", "s300x300"):
        results[f"study_screen_{name}_first_s"], results[f"study_screen_{name}_s"] = study_first_screen(
            studies[name], runs
        )
    results["study_screen_ratio"] = results["study_screen_s300x300_s"] / results["study_screen_s20x60_s"]  # type: ignore[operator]
    results["switch_read_ahead_s"] = switch_time(studies["two20000"], runs, read_ahead=True)
    results["switch_at_once_s"] = switch_time(studies["two20000"], runs, read_ahead=False)
    results["key_s300_ms"] = key_latency(studies["s300x300"], 41 if options.quick else 201)
    results["study_search_s1000_s"] = study_search_time(studies["s1000"], runs)
    results["similarity_build_s"] = similarity_build_time(big_runs)
    results["suggestion_train_s"] = suggestion_train_time(big_runs)
    print("study-scale commands (900,000 records)...", file=sys.stderr)
    for name, args in {
        "check": ["check"],
        "stats": ["stats", "--json"],
        "agree": ["agree", "--json"],
        # into a file of the study: an export replaces its target, and must never be pointed at /dev/null's name
        "export_csv": ["export", "csv", "-o", "export.csv"],
    }.items():
        for size in ("s100", "s1000"):
            seconds, megabytes = median_run(
                purer(*args[:1], *([str(studies[size])] if name != "export_csv" else []), *args[1:]),
                big_runs,
                cwd=studies[size],
            )
            results[f"{name}_{size}_s"] = seconds
            results[f"{name}_{size}_mb"] = megabytes
        results[f"{name}_growth"] = results[f"{name}_s1000_s"] / results[f"{name}_s100_s"]  # type: ignore[operator]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    table = render(results)
    print(table)
    print(imports_summary(results["imports"]))  # type: ignore[arg-type]
    if options.readme:
        update_readme(table)


def render(r: dict[str, object]) -> str:
    def ok(value: float, target: float) -> str:
        return "yes" if value <= target else "**no**"

    t = TARGETS
    rows = [
        ("`purer-tui --help`, whole process", f"{r['help_s']:.3f} s", "< 0.100 s", ok(r["help_s"], t["help_s"])),
        *[
            (
                f"`{' '.join(args)}`, 20 transcripts x 300 turns x 2 coders (a git repository)",
                f"{r[f'small_{name}_s']:.3f} s ({r[f'small_{name}_ratio']:.1f}x `--help`)",
                f"<= {t['small_ratio']:.1f}x `--help`",
                ok(r[f"small_{name}_ratio"], t["small_ratio"]),
            )
            for name, args in SMALL_COMMANDS.items()
        ],
        (
            "`purer-tui check`, 30 transcripts x 300 turns x 3 coders",
            f"{r['check_30_s']:.3f} s",
            "< 0.400 s",
            ok(r["check_30_s"], t["check_30_s"]),
        ),
        (
            "coding app, first screen, 200 turns (whole process)",
            f"{r['first_screen_200_s']:.3f} s",
            "< 0.700 s",
            ok(r["first_screen_200_s"], t["first_screen_s"]),
        ),
        (
            "coding app, first screen, 20,000 turns",
            f"{r['first_screen_20000_s']:.3f} s ({r['first_screen_ratio']:.2f}x)",
            "< 0.700 s, <= 1.3x",
            ok(
                max(r["first_screen_20000_s"] / t["first_screen_s"], r["first_screen_ratio"] / t["first_screen_ratio"]),
                1.0,
            ),
        ),
        (
            "a code key, handled and durable: 200 / 2,000 / 20,000 turns",
            f"{r['key_200_ms']:.2f} / {r['key_2000_ms']:.2f} / {r['key_20000_ms']:.2f} ms",
            "< 5 ms, flat",
            ok(r["key_20000_ms"], t["key_ms"]),
        ),
        (
            "first screen, coder who coded everything: 20 x 60 x 2 / 300 x 300 x 3 (later openings)",
            f"{r['study_screen_s20x60_s']:.3f} / {r['study_screen_s300x300_s']:.3f} s ({r['study_screen_ratio']:.2f}x)",
            "<= 1.2x",
            ok(r["study_screen_ratio"], t["study_screen_ratio"]),
        ),
        (
            "... the same, a clone's very first opening (no index, no saved position yet)",
            f"{r['study_screen_s20x60_first_s']:.3f} / {r['study_screen_s300x300_first_s']:.3f} s",
            "(no target)",
            "",
        ),
        (
            "`]` to the next 20,000-turn transcript, read ahead / pressed at once",
            f"{r['switch_read_ahead_s'] * 1000:.0f} / {r['switch_at_once_s'] * 1000:.0f} ms",
            "< 150 ms",
            ok(r["switch_read_ahead_s"], t["switch_s"]),
        ),
        (
            "a code key at 300 transcripts x 300 turns",
            f"{r['key_s300_ms']:.2f} ms",
            "< 5 ms",
            ok(r["key_s300_ms"], t["key_ms"]),
        ),
        (
            "search the whole study (`/`, tab; in a worker), 1,000 x 300",
            f"{r['study_search_s1000_s']:.2f} s",
            "< 4 s",
            ok(r["study_search_s1000_s"], t["study_search_s"]),
        ),
        (
            '"turns like this one": tokenize and index 900,000 words (BM25)',
            f"{r['similarity_build_s']:.2f} s",
            "< 10 s",
            ok(r["similarity_build_s"], t["similarity_build_s"]),
        ),
        (
            "suggested codes: tokenize 900,000 words of coded turns and train the model (naive Bayes)",
            f"{r['suggestion_train_s']:.2f} s",
            "< 10 s",
            ok(r["suggestion_train_s"], t["suggestion_train_s"]),
        ),
    ]
    for name, label in (
        ("check", "`check`"),
        ("stats", "`stats`"),
        ("agree", "`agree`"),
        ("export_csv", "`export csv`"),
    ):
        target = t.get(f"{name}_s")
        rows.append(
            (
                f"{label}, 1,000 x 300 x 3 (900,000 records); 10x the data",
                f"{r[f'{name}_s1000_s']:.2f} s, {r[f'{name}_s1000_mb']:.0f} MB; {r[f'{name}_growth']:.1f}x",
                f"< {target:.0f} s, < 1 GB, <= {t['growth_ratio']:.0f}x" if target else "(no target)",
                (
                    ok(r[f"{name}_s1000_s"], target)
                    if r[f"{name}_growth"] <= t["growth_ratio"] and r[f"{name}_s1000_mb"] < t["memory_mb"]
                    else "**no**"
                )
                if target
                else "",
            )
        )
    lines = [
        f"Measured on {r['machine']}, {r['date']}, with `python benchmarks/run.py` (medians):",
        "",
        "| what | measured | target | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if "peer_qc_s" in r:
        lines.append(peer_row(r))
    return "\n".join(lines)


def imports_summary(imports: dict[str, list[tuple[str, float]]]) -> str:
    """What each command imports (`python -X importtime`, cumulative ms): evidence of what start-up pays for."""
    lines = ["", "Imports at start-up (python -X importtime; cumulative ms, the largest top-level modules):"]
    for command, modules in imports.items():
        shown = ", ".join(f"{name} {ms:.1f}" for name, ms in modules)
        lines.append(f"  purer-tui {command}: {shown}")
    return "\n".join(lines)


def peer_row(r: dict[str, object]) -> str:
    """The README row comparing `purer-tui stats` with `qc codes stats` on the same study."""
    ratio = float(r["peer_qc_ratio"])  # type: ignore[arg-type]
    met = "yes" if ratio >= TARGETS["peer_qc_ratio"] else "**no**"
    return (
        f"{PEER_ROW} {r['peer_qc_version']}, {r['peer_qc_transcripts']} transcripts x {r['peer_qc_turns']} turns, "
        f"1 coder (best of {r['peer_qc_runs']}) | {r['peer_purer_stats_s']:.2f} s vs {r['peer_qc_s']:.2f} s: "
        f"{ratio:.1f}x | >= {TARGETS['peer_qc_ratio']:.0f}x | {met} |"
    )


def update_readme(table: str) -> None:
    readme = REPO / "README.md"
    text = readme.read_text()
    start, end = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
    if start not in text:
        raise SystemExit("README.md has no benchmarks section markers")
    text = re.sub(re.escape(start) + r".*?" + re.escape(end), f"{start}\n{table}\n{end}", text, flags=re.S)
    readme.write_text(text)


def update_readme_row(row: str) -> None:
    """Put the peer row into README's table (replacing an earlier one), leaving the other rows as they are."""
    readme = REPO / "README.md"
    text = readme.read_text()
    start, end = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
    if start not in text or end not in text:
        raise SystemExit("README.md has no benchmarks section markers")
    head, rest = text.split(start, 1)
    table, tail = rest.split(end, 1)
    lines = [line for line in table.strip("\n").split("\n") if not line.startswith(PEER_ROW)]
    readme.write_text(head + start + "\n" + "\n".join([*lines, row]) + "\n" + end + tail)


if __name__ == "__main__":
    main()
