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
        assert any("All 10 disagreements of ana and ben are settled" in n.message for n in app._notifications)
    prepared.session.close()
    prepared.locks.release()
    done = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(done, AdjudicationDone)
    assert done.summary.startswith(
        "ana and ben decided 15 turn(s) alike: in consensus; 10 of 10 disagreement(s) settled; nothing left to settle;"
    )
    assert not list((demo_study / "transcripts").glob(".*.lock"))  # nothing left locked


def location(app: CodingApp) -> str:
    return str(app.query_one("#location").render())


async def test_the_location_bar_says_which_disagreement_of_how_many_and_fits_80_columns(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    try:
        async with app.run_test(size=SIZE) as pilot:
            bar = location(app)  # session 1 holds 8 of the 10 disagreements, session 2 the other 2
            assert "disagreement 1 of 10" in bar and "settled 0/10" in bar and "ana vs ben → consensus" in bar
            assert len(bar) <= SIZE[0] - 2  # the whole bar shows (its padding is one column each side)
            assert "Last turn" not in bar
            await pilot.press("less_than_sign", "j")
            assert "disagreement 2 of 10" in location(app) and "settled 1/10" in location(app)
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert prepared.session.index == 1 and "disagreement 9 of 10" in location(app)
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_the_last_disagreement_of_a_transcript_says_where_the_rest_are(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("G", "enter")  # turn 17 of 17 here, but 9 disagreements are left
            messages = [n.message for n in app._notifications]
            assert not any("Last turn of this transcript" in m for m in messages)
            told = [m for m in messages if m.startswith("Last disagreement in this transcript")]
            assert told == [
                "Last disagreement in this transcript: 2 more to settle in grp1-s02.txt; "
                "7 still to settle here. n goes to the next."
            ]
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_settling_the_last_disagreement_says_all_are_settled_once(demo_study: Path) -> None:
    app, prepared = adjudicating(demo_study)
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(8):
                await pilot.press("less_than_sign", "j")
            await pilot.press("right_square_bracket")
            await pilot.pause()
            await pilot.press("less_than_sign", "j", "less_than_sign")
            said = [n.message for n in app._notifications if "are settled" in n.message]
            assert said == ["All 10 disagreements of ana and ben are settled: q to quit."]
            assert "settled 10/10" in location(app)
            await pilot.press("enter")  # enter on the last one again: no second notice, nor "last disagreement"
            assert len([n for n in app._notifications if "are settled" in n.message]) == 1
            assert not any(n.message.startswith("Last disagreement") for n in app._notifications)
    finally:
        prepared.session.close()
        prepared.locks.release()
