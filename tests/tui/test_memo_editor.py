"""The memo editor (`m`): a few lines at the bottom, below the turn being memoed; escape saves, ctrl+c
cancels; a memo being typed when the terminal closes is kept as a draft and offered on the next opening."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from textual.widgets import TextArea

from purer_tui.tui.screens.memo_editor import MemoEditor
from tests.tui.conftest import MakeApp

SIZE = (80, 24)


def drafts_in(study: Path) -> list[Path]:
    return sorted((study / ".purer").glob("memo-draft.*"))


@pytest.mark.parametrize("size", [(80, 24), (60, 18)])
async def test_the_editor_sits_below_the_turn_leaving_its_text_in_view(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app, _ = make_app()
    async with app.run_test(size=size) as pilot:
        body = app.query_one("#body")
        await pilot.press("m")
        assert isinstance(app.screen, MemoEditor)
        memo = app.screen.query_one("#memo")
        assert memo.region.bottom == size[1]  # docked at the bottom, over the codes bar and footer
        assert memo.region.y >= body.region.y + 3  # the turn's heading and first lines of its text stay visible
        assert app.screen.query_one(TextArea).region.height >= 3  # room to write a few lines


async def test_ctrl_c_in_the_editor_cancels_and_saves_nothing(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", *"kept", "escape")
        assert session.record.memo == "kept"
        await pilot.press("m", *" and more", "ctrl+c")
        assert not isinstance(app.screen, MemoEditor) and app.is_running
        assert session.record.memo == "kept"
        assert any("Memo not saved (ctrl+c)" in n.message for n in app._notifications)


async def test_a_memo_typed_as_the_terminal_closes_is_a_draft_offered_next_time(
    make_app: MakeApp, demo_study: Path
) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", *"saved before", "escape", "m", *"; typed as the line dropped")
        app.save_open_memo()  # what the hangup handler does before the app exits
        assert prepared.session.record.memo == "saved before"  # not saved as the memo: the coder never said so
    prepared.session.close()
    prepared.locks.release()
    [draft] = drafts_in(demo_study)
    assert json.loads(draft.read_text()) == {
        "coder": "cal",
        "transcript": "transcripts/grp1-s01.txt",
        "turn": 1,
        "memo": "saved before; typed as the line dropped",
    }
    study_mode = stat.S_IMODE((demo_study / "purer.toml").stat().st_mode)
    assert stat.S_IMODE(draft.stat().st_mode) & ~study_mode == 0  # no more readable than the study file
    again, reopened = make_app()
    async with again.run_test(size=SIZE) as pilot:
        assert any("waiting as a draft: turn 1 of grp1-s01.txt" in n.message for n in again._notifications)
        await pilot.press("j", "m")  # another turn: its own memo, not the draft
        assert again.screen.query_one(TextArea).text == ""
        await pilot.press("escape", "k", "m")
        assert again.screen.query_one(TextArea).text == "saved before; typed as the line dropped"
        assert "draft" in str(again.screen.query_one("#memo-title").render())
        assert reopened.session.record.memo == "saved before"  # kept until the coder saves
        await pilot.press("escape")
        assert reopened.session.record.memo == "saved before; typed as the line dropped"
        assert drafts_in(demo_study) == []  # used: gone
        await pilot.press("m")
        assert again.screen.query_one(TextArea).text == "saved before; typed as the line dropped"


async def test_ctrl_c_on_a_draft_discards_it_and_keeps_the_saved_memo(make_app: MakeApp, demo_study: Path) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", *"draft text")
        app.save_open_memo()
    prepared.session.close()
    prepared.locks.release()
    again, reopened = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await pilot.press("m", "ctrl+c")
        assert any("Draft discarded" in n.message for n in again._notifications)
        assert reopened.session.record is None and drafts_in(demo_study) == []


async def test_an_unchanged_memo_leaves_no_draft(make_app: MakeApp, demo_study: Path) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        app.save_open_memo()
    assert drafts_in(demo_study) == []


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        json.dumps({"coder": "ana", "transcript": "transcripts/grp1-s01.txt", "turn": 1, "memo": "x"}).encode(),
        json.dumps({"coder": "cal", "transcript": "../../etc/passwd", "turn": 1, "memo": "x"}).encode(),
        json.dumps({"coder": "cal", "transcript": "transcripts/grp1-s01.txt", "turn": 0, "memo": "x"}).encode(),
        json.dumps({"coder": "cal", "transcript": "transcripts/grp1-s01.txt", "turn": 1, "memo": 5}).encode(),
        b"\xff\xfe" * 10,
        b" " * 200_000,
    ],
)
async def test_a_hostile_or_broken_draft_is_ignored_with_a_notice(
    make_app: MakeApp, demo_study: Path, content: bytes
) -> None:
    (demo_study / ".purer").mkdir(exist_ok=True)
    (demo_study / ".purer" / "memo-draft.cal.0123456789abcdef.json").write_bytes(content)
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert any("Ignored .purer/memo-draft.cal.0123456789abcdef.json" in n.message for n in app._notifications)
        await pilot.press("m")
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("escape")
    assert prepared.session.record is None


async def test_a_draft_copied_to_another_name_is_not_trusted(make_app: MakeApp, demo_study: Path) -> None:
    (demo_study / ".purer").mkdir(exist_ok=True)
    valid = {"coder": "cal", "transcript": "transcripts/grp1-s01.txt", "turn": 1, "memo": "planted"}
    (demo_study / ".purer" / "memo-draft.cal.ffffffffffffffff.json").write_text(json.dumps(valid))
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        assert app.screen.query_one(TextArea).text == ""
