"""What the app shows after a merge or a transcript correction, and how a coder settles it there."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.transcript import load_transcript
from tests.tui.conftest import MakeApp, records


async def test_a_conflicted_turn_is_shown_and_settled_with_enter(make_app: MakeApp, demo_study: Path) -> None:
    transcript = load_transcript(demo_study / "transcripts" / "grp1-s01.txt")
    anchor = transcript.turn(1).anchor
    AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.cal.jsonl").put(
        AnnotationRecord(
            1,
            ("education",),
            "",
            anchor,
            Conflict(TurnVersion(("education",), "", anchor), TurnVersion(("reframing",), "", anchor)),
        )
    )
    app, prepared = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = str(app.query_one("#turn-codes").render())
        assert "merge conflict" in bar and "ours: Education | theirs: Reframing" in bar
        assert any("merge conflict" in n.message for n in app._notifications)
        await pilot.press("enter")
        assert prepared.session.current.store.get(1).conflict is None
        assert records(prepared)[1] == ("education",)


async def test_codes_on_a_changed_turn_are_flagged_not_moved(make_app: MakeApp, demo_study: Path) -> None:
    path = demo_study / "transcripts" / "grp1-s01.txt"
    path.write_text(path.read_text().replace("Welcome back, everyone.", "Welcome back, all of you."))
    app, prepared = make_app(coder="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        assert "coded on an earlier version of this turn" in str(app.query_one("#turn-codes").render())
        assert any("no longer match" in n.message for n in app._notifications)
        await pilot.press("j")
        assert "earlier version" not in str(app.query_one("#turn-codes").render())


async def test_moving_to_a_changed_transcript_keeps_its_news_and_drops_the_old(
    make_app: MakeApp, demo_study: Path
) -> None:
    path = demo_study / "transcripts" / "grp1-s02.txt"
    path.write_text(path.read_text().replace("What was that like for you today?", "What was that like for you?", 1))
    app, prepared = make_app(coder="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("G", "enter")  # "Last turn of this transcript...": about grp1-s01
        await pilot.press("right_square_bracket")
        messages = [n.message for n in app._notifications]
        assert any("of grp1-s02.txt no longer match" in m for m in messages)
        assert not any("Last turn of this transcript" in m for m in messages)
