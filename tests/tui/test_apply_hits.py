"""The palette's "Apply a code to all N search hits": pick the code, see what it would do, confirm; one undo step.

The study below: "pain" is in a.txt turns 1 (staff), 2, 3 (coded S2, of the same exclusive group) and b.txt turns
1 and 2 (already S1). S1 is for participants: of the five hits two get it, one already has it, one clashes, one is
a staff turn.
"""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.lock import CoderLocks
from purer_tui.tui.screens.code_picker import CodePicker
from purer_tui.tui.screens.confirm import ConfirmScreen
from tests.conftest import write
from tests.tui.conftest import MakeApp
from tests.tui.test_keys import settle

SIZE = (80, 24)


def hits_study(folder: Path) -> Path:
    write(
        folder / "codebook.toml",
        '[codebook]\nname = "c"\n'
        '[groups.stage]\nlabel = "Stage"\nexclusive = true\nroles = ["participant"]\n'
        '[groups.purer]\nlabel = "PURER"\nroles = ["staff"]\n'
        '[codes.s1]\ngroup = "stage"\nkey = "1"\nlabel = "Stage one"\ndefinition = "d"\n'
        '[codes.s2]\ngroup = "stage"\nkey = "2"\nlabel = "Stage two"\ndefinition = "d"\n'
        '[codes.edu]\ngroup = "purer"\nkey = "e"\nlabel = "Education"\ndefinition = "d"\n',
    )
    write(
        folder / "purer.toml",
        '[study]\nname = "h"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n'
        '[roles]\nstaff = ["T"]\nparticipant = ["P*"]\n',
    )
    write(folder / "a.txt", "T: pain talk first\nP1: my pain is bad\nP2: pain again\nP1: nothing here\n")
    write(folder / "b.txt", "P1: the pain came back\nP2: pain and pain\n")
    write(folder / "a.cal.jsonl", '{"codes":["s2"],"turn":3}\n')
    write(folder / "b.cal.jsonl", '{"codes":["s1"],"turn":2}\n')
    return folder


def on_disk(path: Path) -> dict[int, tuple[str, ...]]:
    return {turn: record.codes for turn, record in AnnotationFile.open(annotation_path(path, "cal")).records.items()}


async def search_the_study(pilot, word: str) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("slash", "tab", *word, "enter")
    await settle(pilot)


async def choose_apply_to_hits(pilot, label: str, command: str = "Apply a code to all") -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*command)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CodePicker)
    await pilot.press(*label, "enter")
    await settle(pilot)


async def test_applying_a_code_to_every_hit_says_what_it_will_do_then_does_it_and_undoes_as_one(
    make_app: MakeApp, tmp_path: Path
) -> None:
    folder = hits_study(tmp_path / "h")
    app, prepared = make_app(coder="cal", folder=folder)
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await search_the_study(pilot, "pain")
        assert session.hit_count == 5
        await choose_apply_to_hits(pilot, "Stage one")
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        text = screen.text
        assert "Of all 5 search hit(s):" in text
        assert "2 turn(s) get Stage one" in text
        assert "1 already carry it" in text
        assert "1 are skipped: they carry another code of Stage, which takes one" in text
        assert "1 are not for its roles (participant)" in text
        assert on_disk(folder / "a.txt") == {3: ("s2",)}  # nothing written before the answer
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "Stage one applied to 2 turn(s) in 2 file(s)." in " ".join(n.message for n in app._notifications)
        session.compact()
        assert on_disk(folder / "a.txt") == {2: ("s1",), 3: ("s2",)}
        assert on_disk(folder / "b.txt") == {1: ("s1",), 2: ("s1",)}
        assert all(
            record.reviewed for record in AnnotationFile.open(annotation_path(folder / "b.txt", "cal")).records.values()
        )
        await pilot.press("backspace")  # one step takes it off every turn it was applied to
        await settle(pilot)
        session.compact()
        assert on_disk(folder / "a.txt") == {3: ("s2",)}
        assert on_disk(folder / "b.txt") == {2: ("s1",)}
        assert "Took Stage one off the 2 search hit(s)" in " ".join(n.message for n in app._notifications)
        await pilot.press("ctrl+y")
        await settle(pilot)
        session.compact()
        assert on_disk(folder / "a.txt") == {2: ("s1",), 3: ("s2",)}
        assert on_disk(folder / "b.txt") == {1: ("s1",), 2: ("s1",)}


async def test_escape_applies_nothing(make_app: MakeApp, tmp_path: Path) -> None:
    folder = hits_study(tmp_path / "h")
    app, prepared = make_app(coder="cal", folder=folder)
    async with app.run_test(size=SIZE) as pilot:
        await search_the_study(pilot, "pain")
        await choose_apply_to_hits(pilot, "Stage one")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(pilot)
        prepared.session.compact()
        assert on_disk(folder / "a.txt") == {3: ("s2",)}
        assert on_disk(folder / "b.txt") == {2: ("s1",)}


async def test_the_commands_are_offered_only_while_a_search_has_hits(make_app: MakeApp, tmp_path: Path) -> None:
    folder = hits_study(tmp_path / "h")
    app, _ = make_app(coder="cal", folder=folder)

    def offered() -> list[str]:
        return [command.title for command in app.get_system_commands(app.screen) if "search hits" in command.title]

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert offered() == []
        await search_the_study(pilot, "pain")
        assert offered() == [
            "Apply a code to all 5 search hits",
            "Queue a code as a suggestion on all 5 search hits",
        ]
        await pilot.press("escape")  # ends the search
        assert offered() == []
        await search_the_study(pilot, "zebra")
        assert offered() == []


async def test_a_transcript_another_process_codes_is_left_alone(make_app: MakeApp, tmp_path: Path) -> None:
    folder = hits_study(tmp_path / "h")
    app, prepared = make_app(coder="cal", folder=folder)
    other = CoderLocks()
    async with app.run_test(size=SIZE) as pilot:
        await search_the_study(pilot, "pain")
        assert prepared.session.current.path.name == "a.txt"
        other.acquire(annotation_path(folder / "b.txt", "cal"))
        try:
            await choose_apply_to_hits(pilot, "Stage one")
            await pilot.press("enter")
            await settle(pilot)
        finally:
            other.release()
        notes = " ".join(n.message for n in app._notifications)
        assert "applied to 1 turn(s) in 1 file(s)" in notes and "1 are in transcripts another window codes" in notes
        prepared.session.compact()
        assert on_disk(folder / "a.txt") == {2: ("s1",), 3: ("s2",)}
        assert on_disk(folder / "b.txt") == {2: ("s1",)}


async def test_queueing_a_code_on_every_hit_applies_nothing_and_each_turn_waits_to_be_confirmed(
    make_app: MakeApp, tmp_path: Path
) -> None:
    from purer_tui.core.suggestion_queue import SuggestionQueue

    folder = hits_study(tmp_path / "h")
    app, prepared = make_app(coder="cal", folder=folder)
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await search_the_study(pilot, "pain")
        await choose_apply_to_hits(pilot, "Stage one", "Queue a code as a suggestion")
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert "2 turn(s) get it as a suggestion to confirm" in screen.text
        assert "1 are skipped: they carry another code of Stage, which takes one" in screen.text
        await pilot.press("enter")
        await settle(pilot)
        assert "Stage one queued as a suggestion on 2 turn(s)" in " ".join(n.message for n in app._notifications)
        session.compact()
        assert on_disk(folder / "a.txt") == {3: ("s2",)} and on_disk(folder / "b.txt") == {2: ("s1",)}  # nothing
        queue = SuggestionQueue(folder, "cal")
        assert {(t, n) for t in ("a.txt", "b.txt") for n in queue.turns(t)} == {("a.txt", 2), ("b.txt", 1)}
        bar = str(app.query_one("#location").render())
        assert "?2" in bar.split("reviewed")[0]  # at 80 columns, searching: right after the hit, never cut off
        while not (session.current.path.name == "b.txt" and session.turn.number == 1):
            await pilot.press("n")  # n goes to them (past the unreviewed turns on the way)
            await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        session.compact()
        record = AnnotationFile.open(annotation_path(folder / "b.txt", "cal")).records[1]
        assert record.codes == ("s1",) and record.suggested == ("s1",)


async def test_queueing_more_hits_than_the_queue_holds_says_so_before_asking(
    make_app: MakeApp, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from purer_tui.tui import app as app_module

    monkeypatch.setattr(app_module, "MAX_QUEUED", 1)
    folder = hits_study(tmp_path / "h")
    app, _ = make_app(coder="cal", folder=folder)
    async with app.run_test(size=SIZE) as pilot:
        await search_the_study(pilot, "pain")
        await choose_apply_to_hits(pilot, "Stage one", "Queue a code as a suggestion")
        assert not isinstance(app.screen, ConfirmScreen)
        said = " ".join(n.message for n in app._notifications)
        assert "Only 1 more code(s) fit in your suggestion queue (at most 1)" in said
        assert not (folder / ".purer" / "suggestions" / "cal.jsonl").exists()
