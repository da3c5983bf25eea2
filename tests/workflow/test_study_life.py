"""A study's whole life, in one process, with every number checked against the annotation files themselves.

init, two coders coding through the app (Pilot), agree, disagreements,
adjudication of every disagreement (Pilot), then stats, quotes, progress,
export csv and export qdpx. The expected figures are worked out here from
the JSON Lines files with the json module alone, never with purer-tui's own
readers, so a seam between two features cannot hide behind a shared bug.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from purer_tui.cli import main
from purer_tui.services.coding_setup import PreparedSession, prepare_adjudication, prepare_session
from purer_tui.tui.app import CodingApp
from tests.conftest import write

SIZE = (80, 24)

SESSION_1 = """\
Therapist: What did you notice during the body scan?
Participant 1: My mind kept racing to work, I could not stay with it.
Therapist: That is the practice: noticing, and coming back.
Participant 2: I noticed the ache and breathed into it for a while.
Therapist: How might that help you this week?
Participant 1: I could pause and breathe before I lift the boxes.
"""
SESSION_2 = """\
Therapist: What was different this week?
Participant 1: I saw the pain as sensations, heat and pressure, not a threat.
Therapist: Pain signals can be reappraised like that, it is a skill.
Participant 2: I watched my thoughts about the pain come and go.
"""

# The keys each coder presses on each turn ("" = enter, no code; "memo:..." = a memo alone;
# "flag:k" = code k, then flag).
ANA = {"grp1-s01": ["p", "1", "f", "a", "u", "a"], "grp1-s02": ["p", "4", "e", "3"]}
BEN = {"grp1-s01": ["p", "1", "r", "a", "u", "b"], "grp1-s02": ["p", "4", "memo:ask the team", "flag:3"]}
# Adjudication: each disagreement settled with the first coder's codes (<) or the second's (>).
SETTLE = {("grp1-s01", 3): ">", ("grp1-s01", 6): "<"}
KEY_NAMES = {"<": "less_than_sign", ">": "greater_than_sign"}


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def lines(study: Path, name: str, coder: str) -> dict[int, dict]:  # type: ignore[type-arg]
    """A coder's annotation file, read with the json module alone: turn -> the record as written."""
    path = study / "transcripts" / f"{name}.{coder}.jsonl"
    if not path.exists():
        return {}
    return {record["turn"]: record for record in map(json.loads, path.read_text().splitlines())}


def decided(record: dict | None) -> bool:  # type: ignore[type-arg]
    """Reviewed, not flagged, no conflict: what agreement and the consensus count."""
    return record is not None and record.get("reviewed", True) and not record.get("flag") and "conflict" not in record


def reviewed(record: dict | None) -> bool:  # type: ignore[type-arg]
    return record is not None and record.get("reviewed", True) and "conflict" not in record


async def code_through_the_app(study: Path, coder: str, plan: dict[str, list[str]]) -> None:
    prepared = prepare_session([study], coder, None, [], False)
    app = CodingApp.from_prepared(prepared)
    try:
        async with app.run_test(size=SIZE) as pilot:
            for index, name in enumerate(plan):
                assert prepared.session.index == index and prepared.session.current.path.stem == name
                for position, keys in enumerate(plan[name]):
                    assert prepared.session.turn.number == position + 1
                    if keys.startswith("memo:"):
                        await pilot.press("m", *keys.removeprefix("memo:"), "escape")
                    elif keys.startswith("flag:"):
                        await pilot.press(keys.removeprefix("flag:"), "exclamation_mark")
                    elif keys:
                        await pilot.press(*keys)
                    else:
                        await pilot.press("enter", "k")
                    await pilot.press("j")
                await pilot.press("right_square_bracket")
            await pilot.press("q")
    finally:
        prepared.session.close()
        prepared.locks.release()


async def adjudicate_through_the_app(study: Path) -> PreparedSession:
    prepared = prepare_adjudication([study], ("ana", "ben"), "consensus")
    assert isinstance(prepared, PreparedSession)
    app = CodingApp.from_prepared(prepared)
    session = prepared.session
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in SETTLE:
                choice = SETTLE[(session.current.path.stem, session.turn.number)]
                await pilot.press(KEY_NAMES[choice], "n")
            await pilot.press("q")
    finally:
        session.close()
        prepared.locks.release()
    return prepared


async def test_a_study_from_init_to_export(tmp_path: Path) -> None:
    study = tmp_path / "more-study"
    assert cli("init", str(study), "--name", "MORE pilot", "--codebook", "purer")[0] == 0
    # the settings init wrote as comments, filled in as a team would
    settings = study / "purer.toml"
    settings.write_text(
        re.sub(r"^# (metadata_pattern|\[roles\]|staff|participant)", r"\1", settings.read_text(), flags=re.M)
    )
    write(study / "transcripts" / "grp1-s01.txt", SESSION_1)
    write(study / "transcripts" / "grp1-s02.txt", SESSION_2)
    assert cli("check", str(study))[0] == 0

    await code_through_the_app(study, "ana", ANA)
    await code_through_the_app(study, "ben", BEN)
    names = list(ANA)
    files = {(name, coder): lines(study, name, coder) for name in names for coder in ("ana", "ben")}
    assert files[("grp1-s02", "ben")][3] == {
        "anchor": files[("grp1-s02", "ben")][3]["anchor"],
        "codes": [],
        "memo": "ask the team",
        "reviewed": False,
        "turn": 3,
    }
    assert files[("grp1-s02", "ben")][4]["flag"] is True

    # --- what the files say ----------------------------------------------------------------
    both = {
        (n, t)
        for n in names
        for t in range(1, 7)
        if decided(files[(n, "ana")].get(t)) and decided(files[(n, "ben")].get(t))
    }
    alike = {(n, t) for n, t in both if files[(n, "ana")][t]["codes"] == files[(n, "ben")][t]["codes"]}
    differ = sorted(both - alike)
    one_sided = {
        (n, t)
        for n in names
        for t in range(1, 7)
        if decided(files[(n, "ana")].get(t)) != decided(files[(n, "ben")].get(t))
    }
    assert differ == sorted(SETTLE) and len(alike) == 6 and len(one_sided) == 2

    # --- agreement and disagreements ------------------------------------------------------------
    status, out, _ = cli("agree", str(study), "--json")
    agreement = json.loads(out)
    assert status == 0 and agreement["coders"] == ["ana", "ben"]
    assert agreement["units"]["shared"] == len(both) and agreement["flagged_left_out"] == {"ben": 1}
    for code in agreement["codes"]:
        applied = {
            coder: sum(code["code"] in files[(n, coder)][t]["codes"] for n, t in both) for coder in ("ana", "ben")
        }
        assert code["applied"] == applied, code["code"]
    status, out, _ = cli("disagreements", str(study), "--json")
    assert [(Path(item["transcript"]).stem, item["turn"]) for item in json.loads(out)] == differ
    assert f"{len(one_sided)} turn(s) only some of them reviewed" in cli("disagreements", str(study))[2]
    listed = json.loads(cli("disagreements", str(study), "--one-sided", "--json")[1])
    assert {(Path(item["transcript"]).stem, item["turn"]) for item in listed} == one_sided

    # --- adjudication: the agreed turns at once, then every disagreement ------------------------------
    adjudicated = await adjudicate_through_the_app(study)
    assert adjudicated.notices[0].startswith(
        f"ana and ben decided {len(alike)} turn(s) alike: in consensus ({len(alike)} added now)"
    )
    consensus = {name: lines(study, name, "consensus") for name in names}
    expected_consensus = {key: files[(key[0], "ana")][key[1]]["codes"] for key in alike}
    for (name, turn), choice in SETTLE.items():
        expected_consensus[(name, turn)] = files[(name, "ana" if choice == "<" else "ben")][turn]["codes"]
    assert {
        (name, turn): record["codes"] for name in names for turn, record in consensus[name].items()
    } == expected_consensus
    assert all(decided(record) for name in names for record in consensus[name].values())

    # --- reports: the complete consensus, said on the first line ---------------------------------------
    status, out, _ = cli("stats", str(study))
    assert out.splitlines()[0] == (
        f"Coder: consensus ({len(both)} of {len(both)} turns both ana and ben reviewed; "
        f"not in it: {len(one_sided)} turn(s) only one of them reviewed; --coder chooses)"
    )
    stats = json.loads(cli("stats", str(study), "--json")[1])
    assert stats["coders"]["used"] == ["consensus"] and stats["coders"]["consensus"]["complete"] is True
    tables = {table["table"]: table for table in stats["tables"]}
    assert tables["Turns reviewed, per transcript and coder"]["rows"] == [
        [name, len((SESSION_1 if name == "grp1-s01" else SESSION_2).splitlines()), len(consensus[name])]
        for name in names
    ]
    frequency = Counter(code for codes in expected_consensus.values() for code in codes)
    by_coder = tables["Code frequencies by coder"]
    codebook_labels = _labels(study)
    for row in by_coder["rows"]:
        code = codebook_labels[row[0]]
        assert row[-1] == frequency[code], code  # consensus frequency = agreed turns + settled turns
    assert frequency["stage-2a"] == 2  # one agreed (s01 turn 4), one settled (s01 turn 6)

    quotes = json.loads(cli("quotes", "stage-2a", "--study", str(study), "--json")[1])
    assert quotes["coders"]["used"] == ["consensus"]
    assert [(q["transcript"], q["turn"]) for q in quotes["quotes"]] == sorted(
        k for k, c in expected_consensus.items() if "stage-2a" in c
    )

    progress = json.loads(cli("progress", str(study), "--json")[1])
    cells = {case["case"]: case["sessions"] for case in progress["cases"]}
    assert cells == {
        "Participant 1 (group 1)": {"session 1": ["stage-1", "stage-2a"], "session 2": ["stage-4"]},
        "Participant 2 (group 1)": {
            "session 1": ["stage-2a"],
            "session 2": [],
        },  # ben flagged turn 4: not settled, not in it
    }

    # --- exports: every coder, each reviewed turn ------------------------------------------------------
    status, out, err = cli("export", "csv", str(study))
    assert err.splitlines()[0] == (
        f"Coders: ana, ben, consensus (every coder; consensus: {len(both)} of {len(both)} turns "
        "both ana and ben reviewed)"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    expected_rows = Counter()
    for name in names:
        for coder in ("ana", "ben", "consensus"):
            for record in lines(study, name, coder).values():
                if reviewed(record):
                    expected_rows[coder] += max(1, len(record["codes"]))
    assert Counter(row["coder"] for row in rows) == expected_rows
    assert not any(row["memo"] == "ask the team" for row in rows)  # a memo on a turn not reviewed is no coded row

    target = tmp_path / "study.qdpx"
    assert cli("export", "qdpx", str(study), "-o", str(target))[0] == 0
    with zipfile.ZipFile(target) as archive:
        project = ET.fromstring(archive.read("project.qde"))
    users = {user.get("guid"): user.get("name") for user in project.iter() if user.tag.endswith("}User")}
    codings = Counter(users[coding.get("creatingUser")] for coding in project.iter() if coding.tag.endswith("}Coding"))
    expected_codings = Counter(
        {
            coder: sum(len(r["codes"]) for name in names for r in lines(study, name, coder).values() if reviewed(r))
            for coder in ("ana", "ben", "consensus")
        }
    )
    assert codings == expected_codings


def _labels(study: Path) -> dict[str, str]:
    import tomllib

    codebook = tomllib.loads((study / "codebooks" / "purer.toml").read_text())
    return {table["label"]: code_id for code_id, table in codebook["codes"].items()}
