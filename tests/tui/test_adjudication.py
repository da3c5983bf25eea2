"""Adjudication in the app: only the turns two coders disagree on, both sides shown, the consensus saved like any coder."""

from __future__ import annotations

from pathlib import Path

from purer_tui.coding_setup import prepare_session
from purer_tui.core.annotations import AnnotationFile
from purer_tui.tui.app import CodingApp

SIZE = (80, 24)


def consensus(demo_study: Path, name: str = "grp1-s01") -> dict[int, tuple[str, ...]]:
    store = AnnotationFile.open(demo_study / "transcripts" / f"{name}.consensus.jsonl")
    return {turn: record.codes for turn, record in store.records.items()}


def adjudicating(demo_study: Path):  # type: ignore[no-untyped-def]
    prepared = prepare_session([demo_study], "consensus", None, [], False, ("ana", "ben"))
    return CodingApp.from_prepared(prepared), prepared


async def test_an_adjudication_walk(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    session = prepared.session
    try:
        async with app.run_test(size=SIZE) as pilot:
            # ana and ben disagree on turns 5, 6, 10, 12, 13, 14, 15 and 17 of session 1
            assert session.current.visible == [5, 6, 10, 12, 13, 14, 15, 17]
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
