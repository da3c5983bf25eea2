"""Suggested codes in the app: marked in the codebook, counted in the top bar, `n` goes to them, ctrl+a accepts,
a code's key or enter settles them, undo brings them back."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.suggestion_queue import QueuedCode, SuggestionQueue
from purer_tui.core.transcript import load_transcript
from purer_tui.services.coding_setup import prepare_session
from purer_tui.tui.app import CodingApp
from purer_tui.tui.widgets.codebook_panel import CodeList
from tests.tui.conftest import MakeApp

SIZE = (80, 24)
S01 = "transcripts/grp1-s01.txt"


def queue_codes(study: Path, coder: str, *wanted: tuple[int, str]) -> None:
    turns = load_transcript(study / S01).turns
    queue = SuggestionQueue(study, coder)
    queue.add(QueuedCode(S01, turn, turns[turn - 1].anchor, code, "autocode --text") for turn, code in wanted)
    assert queue.save()


def on_disk(study: Path, coder: str) -> dict:
    return dict(AnnotationFile.open(annotation_path(study / S01, coder)).records)


def code_line(app: CodingApp, code_id: str) -> str:
    codes = app.query_one(CodeList)
    width = codes.scrollable_content_region.width
    y = next(y for y, row in enumerate(codes.rows) if row.code is not None and row.code.id == code_id)
    return codes.line_content(y, width).plain


def bar(app: CodingApp) -> str:
    return str(app.query_one("#location").render())


async def test_suggested_codes_are_marked_counted_and_accepted_with_ctrl_a(make_app: MakeApp, demo_study: Path) -> None:
    # turn 3 is Participant 1's: stage-1 and stage-2a are both suggested, but only one stage can apply
    queue_codes(demo_study, "cal", (3, "stage-1"), (3, "stage-2a"), (6, "phenomenology"))
    app, prepared = make_app("cal")
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        assert "?2 suggested" in bar(app)
        assert session.turn.number == 1 and "?" not in code_line(app, "stage-1")
        await pilot.press("n")  # turn 2 is not reviewed: n stops there first, then at the suggestions
        await pilot.press("enter")
        assert session.turn.number == 3
        assert code_line(app, "stage-1").startswith(" 1 ?") and code_line(app, "stage-2a").startswith(" a ?")
        assert not code_line(app, "stage-3").startswith(" 3 ?")
        await pilot.press("ctrl+a")
        record = on_disk(demo_study, "cal")[3]
        assert record.codes == ("stage-1",) and record.suggested == ("stage-1",) and record.reviewed
        assert any("Left: 2a Competency" in n.message and "exclusive" in n.message for n in app._notifications)
        assert "✓" in code_line(app, "stage-1") and code_line(app, "stage-2a").startswith(" a ?")
        await pilot.press("backspace")  # undo: not coded, suggested again
        assert 3 not in on_disk(demo_study, "cal")
        assert code_line(app, "stage-1").startswith(" 1 ?")
        assert set(SuggestionQueue(demo_study, "cal").codes_for(S01, 3)) == {"stage-1", "stage-2a"}
        await pilot.press("enter")  # reviewed with neither: the coder decided, both leave the queue
        assert on_disk(demo_study, "cal")[3].codes == ()
        assert SuggestionQueue(demo_study, "cal").codes_for(S01, 3) == ()
        assert "?1 suggested" in bar(app)


async def test_a_suggested_code_applied_with_its_key_is_recorded_as_suggested(
    make_app: MakeApp, demo_study: Path
) -> None:
    queue_codes(demo_study, "cal", (2, "phenomenology"))
    app, prepared = make_app("cal")
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        assert session.turn.number == 2 and code_line(app, "phenomenology").startswith(" p ?")
        await pilot.press("r")  # not suggested: the coder's own
        await pilot.press("p")
        record = on_disk(demo_study, "cal")[2]
        assert record.codes == ("phenomenology", "reframing") and record.suggested == ("phenomenology",)
        assert "suggested" not in bar(app)
        assert SuggestionQueue(demo_study, "cal").turn_count == 0
        await pilot.press("ctrl+a")
        assert any("No code is suggested" in n.message for n in app._notifications)


async def test_a_queue_that_does_not_verify_is_ignored_with_one_notice(demo_study: Path) -> None:
    queue_codes(demo_study, "cal", (3, "stage-1"))
    path = demo_study / ".purer" / "suggestions" / "cal.jsonl"
    path.write_text(path.read_text().replace("stage-1", "stage-3"))  # planted: the signature no longer matches
    prepared = prepare_session([demo_study], "cal", None, [], False)
    try:
        notices = [notice for notice in prepared.notices if "suggestions are ignored" in notice]
        assert len(notices) == 1
        app = CodingApp.from_prepared(prepared)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("j", "j")
            assert prepared.session.turn.number == 3 and "?" not in code_line(app, "stage-3")
            assert "suggested" not in bar(app)
    finally:
        prepared.session.close()
        prepared.locks.release()


def enable_model(study: Path) -> None:
    settings = study / "purer.toml"
    settings.write_text(settings.read_text().replace("[study]\n", "[study]\nsuggest = true\n", 1))


async def wait_for_model(app: CodingApp, pilot: object) -> None:
    from purer_tui.core.suggestion_source import ModelSource

    suggestions = app.session.suggestions
    assert suggestions is not None
    for _ in range(200):
        if any(isinstance(source, ModelSource) for source in suggestions.sources):
            return
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    raise AssertionError("the model was never trained")


async def test_with_suggest_on_the_model_marks_what_purer_tui_suggest_predicts_and_ctrl_a_records_it(
    make_app: MakeApp, demo_study: Path
) -> None:
    from purer_tui.core.study import load_study
    from purer_tui.services.suggestions import suggest_for_transcript

    enable_model(demo_study)
    ana = annotation_path(demo_study / S01, "ana")
    lines = ana.read_text().splitlines()
    assert '"turn":3}' in lines[2] and '"stage-1"' in lines[2]
    ana.write_text("\n".join(lines[:2] + lines[3:]) + "\n")  # turn 3 not reviewed: ana resumes there
    expected = suggest_for_transcript(load_study(demo_study), demo_study / S01, "ana", 3)
    predicted = tuple(s.code for s in expected.turns[0].suggestions)
    assert predicted == ("stage-1",)  # learned from ana's other turns, not from this one

    app, prepared = make_app("ana")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_model(app, pilot)
        await pilot.pause()
        assert prepared.session.turn.number == 3
        assert code_line(app, "stage-1").startswith(" 1 ?")
        assert not code_line(app, "stage-2a").startswith(" a ?")
        said = str(app.query_one("#turn-codes").render())
        assert "? suggested: 1 Attention dysregulation  (ctrl+a applies, enter leaves)" in said
        assert "?0" not in bar(app) and "suggested" not in bar(app)  # the model's are no work to do
        assert any(
            "Suggestions on: learned" in n.message and "(the study file" in n.message for n in app._notifications
        )
        await pilot.press("ctrl+a")
        record = on_disk(demo_study, "ana")[3]
        assert record.codes == ("stage-1",) and record.suggested == ("stage-1",)
        await pilot.press("backspace")  # undo: the turn is not reviewed again, and the suggestion is back
        assert 3 not in on_disk(demo_study, "ana")
        assert code_line(app, "stage-1").startswith(" 1 ?")
        await pilot.press("enter")  # reviewed without it: the coder decided, the mark goes
        assert on_disk(demo_study, "ana")[3].codes == ()
        await pilot.press("k")
        assert prepared.session.turn.number == 3 and not code_line(app, "stage-1").startswith(" 1 ?")


async def test_suggest_off_by_default_and_a_coder_with_too_little_coding_is_told_why(
    make_app: MakeApp, demo_study: Path
) -> None:
    from purer_tui.core.suggestion_source import ModelSource

    app, prepared = make_app("ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert prepared.model_suggestions is None
        assert not any(isinstance(s, ModelSource) for s in prepared.session.suggestions.sources)
    enable_model(demo_study)
    app, prepared = make_app("cal")  # cal has coded nothing: nothing to learn from
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            if any("Suggestions off:" in n.message for n in app._notifications):
                break
            await pilot.pause(0.02)
        said = [n.message for n in app._notifications if "Suggestions off:" in n.message]
        assert said and "cal" in said[0] and "\n" not in said[0]
