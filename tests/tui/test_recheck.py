"""Rechecking in the app: only the turns coded under an older definition (or carrying a split code), the old
definition beside today's, enter confirming a turn as current."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import load_codebook
from purer_tui.core.recheck_items import CodeText, DefinitionChange, RecheckItem
from purer_tui.services.coding_setup import PreparedSession, RecheckDone, prepare_recheck, prepare_session
from purer_tui.tui.app import CodingApp
from purer_tui.tui.widgets.codebook_panel import definition_content

SIZE = (80, 24)
OLD = CodeText("Phenomenology", "Asking about the bare sensation, before any story about it.")


def transcript(demo_study: Path) -> Path:
    return demo_study / "transcripts" / "grp1-s01.txt"


def changed(demo_study: Path, turns: list[int]) -> list[RecheckItem]:
    change = DefinitionChange("phenomenology", "a" * 40, "2026-11-20", "Sharpen phenomenology", OLD, OLD)
    return [RecheckItem(transcript(demo_study), "ana", turn, "phenomenology", change) for turn in turns]


def ana(demo_study: Path) -> dict[int, object]:
    return dict(AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.ana.jsonl").records)


def rechecking(demo_study: Path, items: list[RecheckItem]) -> tuple[CodingApp, PreparedSession]:
    prepared = prepare_recheck([demo_study], "ana", None, items=items)
    assert isinstance(prepared, PreparedSession)
    return CodingApp.from_prepared(prepared), prepared


def text(app: CodingApp, selector: str) -> str:
    return str(app.query_one(selector).render())


async def test_a_recheck_walk_shows_both_definitions_and_enter_confirms(demo_study: Path) -> None:
    app, prepared = rechecking(demo_study, changed(demo_study, [2, 4, 10]))
    session = prepared.session
    fingerprint = session.codebook.code("phenomenology").fingerprint
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert session.current.visible == [2, 4, 10] and session.turn.number == 2
            assert "recheck 1 of 3" in text(app, "#location") and "left 3" in text(app, "#location")
            assert "Phenomenology coded under" in text(app, "#recheck-before")
            assert "bare sensation" in text(app, "#recheck-before")
            assert "Now" in text(app, "#recheck-now") and "2026-11-20" in text(app, "#recheck-now")
            await pilot.press("enter")  # confirm turn 2 as it is
            assert ana(demo_study)[2].rechecked == (("phenomenology", fingerprint),)  # type: ignore[attr-defined]
            assert ana(demo_study)[2].codes == ("phenomenology",)  # type: ignore[attr-defined]
            assert session.turn.number == 4 and "left 2" in text(app, "#location")
            await pilot.press("p")  # turn 4: phenomenology does not apply under the new definition
            assert ana(demo_study)[4].codes == ()  # type: ignore[attr-defined]
            assert "left 1" in text(app, "#location") and "Confirmed" in text(app, "#recheck-before")
            await pilot.press("backspace")  # undo: it waits again
            assert "left 2" in text(app, "#location")
            await pilot.press("p", "j", "enter")
            assert session.recheck is not None and session.recheck.done == 3
            assert ana(demo_study)[10].codes == ("phenomenology", "reinforcement")  # type: ignore[attr-defined]
            assert ana(demo_study)[10].rechecked == (("phenomenology", fingerprint),)  # type: ignore[attr-defined]
    finally:
        session.close()
        prepared.locks.release()


def split_reframing(demo_study: Path, into: tuple[str, str] = ("education", "utilization")) -> None:
    path = demo_study / "codebooks" / "purer.toml"
    text = path.read_text()
    text = text.replace("[codes.reframing]\n", f'[codes.reframing]\nsplit_into = ["{into[0]}", "{into[1]}"]\n', 1)
    path.write_text(text)
    assert load_codebook(path).code("reframing").split_into == list(into)


async def test_a_split_code_is_recoded_with_the_codes_it_was_split_into(demo_study: Path) -> None:
    split_reframing(demo_study)
    app, prepared = rechecking(demo_study, [RecheckItem(transcript(demo_study), "ana", 6, "reframing", None)])
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert prepared.session.turn.number == 6
            assert "Split: Reframing" in text(app, "#recheck-before")
            assert "Utilization [u]" in text(app, "#recheck-now")
            await pilot.press("u", "enter")
            assert ana(demo_study)[6].codes == ("utilization", "education")  # type: ignore[attr-defined]
            assert prepared.session.recheck is not None and prepared.session.recheck.done == 1
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_a_split_code_is_applied_no_more_in_ordinary_coding(demo_study: Path) -> None:
    split_reframing(demo_study)
    prepared = prepare_session([demo_study], "ana", None, [], False)
    app = CodingApp.from_prepared(prepared)
    try:
        async with app.run_test(size=SIZE) as pilot:
            prepared.session.goto_turn(4)
            await pilot.press("r")  # reframing: refused, with the codes to use instead
            assert ana(demo_study)[4].codes == ("phenomenology",)  # type: ignore[attr-defined]
            messages = " ".join(str(n.message) for n in app._notifications)
            assert "Reframing was split into Education, Utilization" in messages
            codebook = prepared.session.codebook
            shown = str(definition_content(codebook, codebook.code("reframing")))
            assert "split into Education, Utilization: applied no more" in shown
            prepared.session.goto_turn(6)
            await pilot.press("r")  # taking it off a turn still works
            assert ana(demo_study)[6].codes == ("education",)  # type: ignore[attr-defined]
    finally:
        prepared.session.close()
        prepared.locks.release()


def test_nothing_to_recheck_opens_nothing(demo_study: Path) -> None:
    done = prepare_recheck([demo_study], "ana", None, items=[])
    assert isinstance(done, RecheckDone) and done.summary == "Nothing to recheck for ana."
    other = prepare_recheck([demo_study], "ben", "phenomenology", items=changed(demo_study, [2]))
    assert isinstance(other, RecheckDone) and "for phenomenology for ben" in other.summary


async def test_enter_on_a_split_code_alone_is_refused_and_names_the_codes_to_apply(demo_study: Path) -> None:
    split_reframing(demo_study, ("utilization", "reinforcement"))  # turn 6 carries neither
    app, prepared = rechecking(demo_study, [RecheckItem(transcript(demo_study), "ana", 6, "reframing", None)])
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")  # neither education nor utilization chosen: "nothing applies" is not guessed
            assert ana(demo_study)[6].codes == ("reframing", "education")  # type: ignore[attr-defined]
            messages = " ".join(str(n.message) for n in app._notifications)
            assert "Reframing was split: apply Utilization or Reinforcement first" in messages
            assert prepared.session.recheck is not None and prepared.session.recheck.done == 0
            await pilot.press("f", "enter")  # reinforcement applies: now enter confirms
            assert ana(demo_study)[6].codes == ("education", "reinforcement")  # type: ignore[attr-defined]
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_enter_goes_on_to_the_next_turn_waiting_in_the_next_transcript(demo_study: Path) -> None:
    second = demo_study / "transcripts" / "grp1-s02.txt"
    change = changed(demo_study, [10])[0].change
    items = [*changed(demo_study, [10]), RecheckItem(second, "ana", 1, "phenomenology", change)]
    app, prepared = rechecking(demo_study, items)
    session = prepared.session
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert session.turn.number == 10
            await pilot.press("enter")  # the last waiting turn here: on to the next transcript's
            await pilot.pause()
            assert session.current.path == second and session.turn.number == 1
            assert "recheck 2 of 2" in text(app, "#location")
    finally:
        session.close()
        prepared.locks.release()


async def test_a_turn_merged_into_the_code_shows_what_it_was_coded_as(demo_study: Path) -> None:
    was = CodeText("Noticing", "Any question about what was noticed.")
    item = changed(demo_study, [2])[0]
    merged = RecheckItem(item.transcript, "ana", 2, "phenomenology", item.change, coded_under=was, coded_as="noticing")
    app, prepared = rechecking(demo_study, [merged])
    try:
        async with app.run_test(size=SIZE):
            before = text(app, "#recheck-before")
            assert "Coded as Noticing (now Phenomenology; before 2026-11-20)" in before
            assert "Any question about what was noticed." in before and "bare sensation" not in before
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_a_hostile_label_in_the_panel_is_shown_never_sent_to_the_terminal(demo_study: Path) -> None:
    path = demo_study / "codebooks" / "purer.toml"
    path.write_text(path.read_text().replace('label = "Phenomenology"', 'label = "Pheno\\u001b]2;PWNED\\u0007x"', 1))
    item = changed(demo_study, [2])[0]
    was = CodeText("Noticing\x1b[5m", "Old.")
    merged = RecheckItem(item.transcript, "ana", 2, "phenomenology", item.change, coded_under=was, coded_as="noticing")
    app, prepared = rechecking(demo_study, [merged])
    try:
        async with app.run_test(size=SIZE):
            before = text(app, "#recheck-before")
            assert "\x1b" not in before and "\x07" not in before
            assert "now Pheno␛]2;PWNED␇x" in before and "Noticing␛[5m" in before
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_two_codes_waiting_on_a_turn_are_shown_and_confirmed_one_by_one(demo_study: Path) -> None:
    phenomenology = changed(demo_study, [10])[0]
    old = CodeText("Reinforcement", "Praise of any kind.")
    change = DefinitionChange("reinforcement", "b" * 40, "2026-11-21", "Narrow reinforcement", old, old)
    reinforcement = RecheckItem(phenomenology.transcript, "ana", 10, "reinforcement", change)
    app, prepared = rechecking(demo_study, [phenomenology, reinforcement])
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert "1 of 2 codes to recheck on this turn" in text(app, "#recheck-before")
            assert "bare sensation" in text(app, "#recheck-before")
            await pilot.press("enter")  # confirms what was shown: phenomenology only, and stays
            record = ana(demo_study)[10]
            assert [code for code, _ in record.rechecked] == ["phenomenology"]  # type: ignore[attr-defined]
            assert prepared.session.turn.number == 10 and "Praise of any kind." in text(app, "#recheck-before")
            assert "Reinforcement coded under" in text(app, "#recheck-before")
            await pilot.press("enter")
            record = ana(demo_study)[10]
            assert [code for code, _ in record.rechecked] == ["phenomenology", "reinforcement"]  # type: ignore[attr-defined]
            assert prepared.session.recheck is not None and prepared.session.recheck.done == 1
    finally:
        prepared.session.close()
        prepared.locks.release()
