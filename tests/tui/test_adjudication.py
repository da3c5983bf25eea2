"""Adjudication in the app: only the turns two coders disagree on, both sides shown,
the consensus saved like any coder."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.annotations import AnnotationFile
from purer_tui.services.coding_setup import AdjudicationDone, PreparedSession, prepare_adjudication, prepare_session
from purer_tui.tui.app import CodingApp

SIZE = (80, 24)
# ana and ben disagree on these turns of session 1, and agree on the other nine
DISAGREEMENTS = [5, 6, 10, 12, 13, 14, 15, 17]


def consensus(demo_study: Path, name: str = "grp1-s01", agreed: bool = False) -> dict[int, tuple[str, ...]]:
    """The consensus of the disagreeing turns (with `agreed`, of every turn)."""
    store = AnnotationFile.open(demo_study / "transcripts" / f"{name}.consensus.jsonl")
    return {turn: record.codes for turn, record in store.records.items() if agreed or turn in DISAGREEMENTS}


def adjudicating(demo_study: Path):  # type: ignore[no-untyped-def]
    prepared = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(prepared, PreparedSession)
    return CodingApp.from_prepared(prepared), prepared


async def test_an_adjudication_walk(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    session = prepared.session
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert session.current.visible == DISAGREEMENTS
            assert session.turn.number == 5
            bar = str(app.query_one("#turn-codes").render())
            assert "< ana: 1 Attention dysregulation" in bar and "memo: Noticing only after the fact" in bar
            assert "> ben: 2a Competency with attention regulation" in bar
            await pilot.press("less_than_sign")  # take ana's
            assert consensus(demo_study) == {5: ("stage-1",)}
            await pilot.press("j", "greater_than_sign")  # turn 6: take ben's (reframing)
            await pilot.press("j", "plus")  # turn 10: ana phenomenology+reinforcement, ben reinforcement -> both
            await pilot.press("j", "minus")  # turn 12: neither
            await pilot.press("j", "greater_than_sign", "f")  # turn 13: ben's stage-1, then edit: add reinforcement
            assert consensus(demo_study) == {
                5: ("stage-1",),
                6: ("reframing",),
                10: ("phenomenology", "reinforcement"),
                12: (),
                13: ("reinforcement", "stage-1"),
            }
            await pilot.press("backspace")  # undo the edit
            assert consensus(demo_study)[13] == ("stage-1",)
            assert session.progress().reviewed == 5 and session.progress().total == 8
    finally:
        session.close()
        prepared.locks.release()


async def test_both_is_refused_when_an_exclusive_group_would_get_two(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("plus")  # turn 5: stage-1 vs stage-2a
            assert consensus(demo_study) == {}
            assert any("takes one code" in n.message for n in app._notifications)
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_adjudication_resumes_at_the_next_unsettled_disagreement(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("less_than_sign", "j", "less_than_sign")
    prepared.session.close()
    prepared.locks.release()
    _, again = adjudicating(demo_study)
    try:
        assert again.session.turn.number == 10
    finally:
        again.session.close()
        again.locks.release()


async def test_the_adjudication_keys_do_nothing_in_ordinary_coding(demo_study: Path) -> None:
    prepared = prepare_session([demo_study], "cal", None, [], False)
    app = CodingApp.from_prepared(prepared)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("less_than_sign", "plus")
            assert prepared.session.record is None
            footer_keys = [binding.key for (_, binding, enabled, _) in app.screen.active_bindings.values() if enabled]
            assert "less_than_sign" not in footer_keys
    finally:
        prepared.session.close()
        prepared.locks.release()


def test_starting_puts_the_agreed_turns_into_the_consensus_and_says_what_is_left(demo_study: Path) -> None:
    ana = AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.ana.jsonl")
    app, prepared = adjudicating(demo_study)
    try:
        agreed = consensus(demo_study, agreed=True)
        assert sorted(agreed) == [1, 2, 3, 4, 7, 8, 9, 11, 16]  # every turn both decided alike, nothing else
        assert all(agreed[turn] == ana.get(turn).codes for turn in agreed)
        summary = prepared.notices[0]
        # session 1: 9 alike, 8 differ; session 2: turns 1-8 both (5 and 7 differ), 9-12 ana alone;
        # session 3: ana alone (11)
        assert summary.startswith("ana and ben decided 15 turn(s) alike: in consensus (15 added now)")
        assert "0 of 10 disagreement(s) settled, 10 to go" in summary
        assert "15 turn(s) only one of them reviewed are not in it" in summary
        assert "consensus = " not in (demo_study / "consensus.toml").read_text()
        assert '[consensus]\ncoders = [\n    "ana",\n    "ben",\n]' in (demo_study / "consensus.toml").read_text()
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_when_every_disagreement_is_settled_there_is_nothing_left_to_open(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(10):
            await pilot.press("less_than_sign", "n")
        assert any("All 10 disagreement(s) of ana and ben are settled" in n.message for n in app._notifications)
    prepared.session.close()
    prepared.locks.release()
    done = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(done, AdjudicationDone)
    assert done.summary.startswith(
        "ana and ben decided 15 turn(s) alike: in consensus; 10 of 10 disagreement(s) settled; nothing left to settle;"
    )
    assert not list((demo_study / "transcripts").glob(".*.lock"))  # nothing left locked
