"""Every key of the coding app, driven with Pilot at 80x24."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from purer_tui.tui.screens.code_picker import CodePicker
from purer_tui.tui.screens.help import HelpScreen
from purer_tui.tui.screens.memo_editor import MemoEditor
from tests.tui.conftest import MakeApp, records

SIZE = (80, 24)


async def test_moving_between_turns(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "down", "j")
        assert session.turn.number == 4
        await pilot.press("k", "up")
        assert session.turn.number == 2
        await pilot.press("pagedown")
        assert session.turn.number == 12
        await pilot.press("pageup")
        assert session.turn.number == 2
        await pilot.press("G")
        assert session.turn.number == 17
        await pilot.press("g")
        assert session.turn.number == 1
        await pilot.press("end")
        assert session.turn.number == 17
        await pilot.press("home")
        assert session.turn.number == 1
        await pilot.press("k")
        assert session.turn.number == 1


async def test_code_keys_toggle_codes_durably_and_mark_reviewed(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "r")
        assert records(prepared) == {1: ("phenomenology", "reframing")}
        await pilot.press("p")
        assert records(prepared) == {1: ("reframing",)}
        await pilot.press("r")
        assert records(prepared) == {}  # it was not reviewed before the codes: it is not now
        await pilot.press("enter", "k", "p", "p")
        assert records(prepared) == {1: ()}  # reviewed before the code: still reviewed, no code


async def test_exclusive_group_codes_replace_each_other(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "1", "p", "a")
        assert records(prepared) == {3: ("phenomenology", "stage-2a")}
        await pilot.press("4")
        assert records(prepared) == {3: ("phenomenology", "stage-4")}


async def test_enter_marks_reviewed_and_moves_on(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter", "e", "enter")
        assert records(prepared) == {1: (), 2: (), 3: ("education",)}
        assert prepared.session.turn.number == 4
        await pilot.press("G", "enter")
        assert prepared.session.turn.number == 17  # the last turn stays put


async def test_n_goes_to_the_next_unreviewed_turn_across_transcripts(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ben")  # ben coded session 1 and turns 1-8 of session 2
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        assert (session.index, session.turn.number) == (1, 9)  # resumed where ben left off
        await pilot.press("enter", "enter", "enter", "enter")
        assert (session.index, session.turn.number) == (1, 12)
        await pilot.press("n")
        assert (session.index, session.turn.number) == (2, 1)


async def test_space_opens_a_filterable_picker(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"metacog", "enter")
        assert not isinstance(app.screen, CodePicker)
        assert records(prepared) == {1: ("stage-3",)}
        await pilot.press("space", *"rein", "down", "up", "enter")
        assert records(prepared) == {1: ("reinforcement", "stage-3")}
        await pilot.press("space", "escape")
        assert records(prepared) == {1: ("reinforcement", "stage-3")}


async def test_undo_and_redo_across_turns(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "j", "j", "1", "j")
        await pilot.press("backspace")
        assert session.turn.number == 3 and records(prepared) == {1: ("phenomenology",)}
        await pilot.press("ctrl+z")
        assert session.turn.number == 1 and records(prepared) == {}  # back to not reviewed
        await pilot.press("ctrl+y", "ctrl+y")
        assert session.turn.number == 3 and records(prepared) == {1: ("phenomenology",), 3: ("stage-1",)}


async def test_memo_is_written_and_saved_on_escape(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*"Two lines", "enter", *"of memo [b]x[/b]", "escape")
        assert not isinstance(app.screen, MemoEditor)
        record = prepared.session.record
        assert record.memo == "Two lines\nof memo [b]x[/b]" and record.codes == ()
        await pilot.press("m", "ctrl+a", "escape")
        assert prepared.session.record.memo == "Two lines\nof memo [b]x[/b]"  # nothing lost by leaving


async def test_search_steps_with_n_and_escape_ends_it(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"THURSDAY", "enter")
        assert session.turn.number == 3 and session.search_term == "THURSDAY"
        await pilot.press("n")
        assert session.turn.number == 4
        await pilot.press("n")
        assert session.turn.number == 3
        await pilot.press("N")
        assert session.turn.number == 4
        await pilot.press("escape")
        assert session.search_term is None
        await pilot.press("enter")  # reviews turn 4, moves to 5
        await pilot.press("n")  # n is next-unreviewed again: 5 is the current turn, so 6
        assert session.turn.number == 6


async def test_colon_goes_to_a_turn_number(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "1", "4", "enter")
        assert prepared.session.turn.number == 14
        await pilot.press("colon", "9", "9", "enter")
        assert prepared.session.turn.number == 14


async def test_brackets_switch_transcripts(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        assert session.index == 1
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert session.index == 2
        await pilot.press("left_square_bracket")
        assert session.index == 1


async def test_help_shows_keys_and_definitions(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("Static").render())
        for expected in [
            "Next turn",
            "Phenomenology",
            "definition:",
            "include:",
            "exclude:",
            "e.g.",
            "one per turn at most",
        ]:
            assert expected in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_only_some_speakers(make_app: MakeApp) -> None:
    app, prepared = make_app(only=["Participant 1"])
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for _ in range(4):
            seen.append(prepared.session.turn.number)
            await pilot.press("j")
        assert seen == [3, 5, 16, 16]


async def test_show_coders_shows_the_others_read_only(make_app: MakeApp) -> None:
    app, prepared = make_app(show_coders=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "6", "enter")
        text = str(app.query_one("#turn-codes").render())
        assert "ana: Reframing, Education" in text and "ben: Reframing" in text


async def test_a_study_keymap_remaps_the_apps_keys(make_app: MakeApp, demo_study: Path) -> None:
    study = demo_study / "purer.toml"
    study.write_text(study.read_text() + '\n[keys]\n"turn.next" = "x,down"\n')
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        assert prepared.session.turn.number == 2


async def test_help_shows_the_keys_a_study_keymap_sets(make_app: MakeApp, demo_study: Path) -> None:
    study = demo_study / "purer.toml"
    study.write_text(study.read_text() + '\n[keys]\n"turn.scroll_down" = "ctrl+f"\n')
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        text = str(app.screen.query_one("Static").render())
    [line] = [line for line in text.splitlines() if "Scroll a long turn down" in line]
    assert line.split() == ["ctrl+f", "Scroll", "a", "long", "turn", "down"]
    assert "ctrl+d" not in text and "ctrl+u" in text


def test_every_binding_has_a_stable_id_and_the_apps_come_from_the_key_table() -> None:
    import importlib
    import pkgutil

    from textual.binding import Binding
    from textual.screen import ModalScreen

    import purer_tui.tui.screens
    from purer_tui.core.keys import APP_KEYS
    from purer_tui.tui.app import CodingApp

    owners: list[type] = [CodingApp]
    for info in pkgutil.iter_modules(purer_tui.tui.screens.__path__):
        module = importlib.import_module(f"purer_tui.tui.screens.{info.name}")
        owners += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, ModalScreen) and value is not ModalScreen
        ]
    assert len(owners) >= 5  # the app, the code picker, the memo editor, the prompt and help
    bindings = [binding for owner in owners for binding in owner.BINDINGS]
    assert all(isinstance(binding, Binding) for binding in bindings)
    ids = [binding.id for binding in bindings]
    assert None not in ids and len(ids) == len(set(ids)), ids
    assert [binding.id for binding in CodingApp.BINDINGS] == [
        app_key.id for app_key in APP_KEYS
    ]  # nothing bound outside the table


async def test_every_action_and_code_is_in_the_command_palette(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE):
        titles = [command.title for command in app.get_system_commands(app.screen)]
    assert "Next turn" in titles and "Go to turn number" in titles and "Toggle code: Reframing" in titles


async def test_a_failed_save_is_shown_and_changes_nothing(make_app: MakeApp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import purer_tui.core.journal as journal_module

    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")

        def full(descriptor: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(journal_module.os, "fsync", full)
        await pilot.press("r")
        monkeypatch.undo()
        assert prepared.session.record.codes == ("phenomenology",)  # nothing half-done is shown
        assert records(prepared) == {1: ("phenomenology",)}  # and the file is as it was
        assert any("No space left" in n.message for n in app._notifications)
        app._retry_pending()  # the disk has room again: the waiting change is saved, not dropped
        assert records(prepared) == {1: ("phenomenology", "reframing")}


async def test_a_change_the_disk_refuses_is_kept_and_retried(make_app: MakeApp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import purer_tui.core.journal as journal_module
    import purer_tui.tui.app as app_module

    monkeypatch.setattr(app_module, "RETRY_SECONDS", 0.05)
    app, prepared = make_app()
    disk_full = True
    real_fsync = journal_module.os.fsync

    def fsync(descriptor: int) -> None:
        if disk_full:
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(journal_module.os, "fsync", fsync)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert records(prepared) == {} and app._pending
        await pilot.press("j", "r")  # the app stays on turn 1, and the second change queues behind the first
        assert prepared.session.turn.number == 1
        await pilot.press("m", *"a memo while waiting", "escape")  # written and closed: kept, not dropped
        await pilot.press("q")  # not quitting silently with a change pending
        assert app.is_running
        disk_full = False
        await pilot.pause(0.3)
        assert records(prepared) == {1: ("phenomenology", "reframing")} and not app._pending
        assert prepared.session.record.memo == "a memo while waiting"
        await pilot.press("j", "r")
        assert records(prepared) == {1: ("phenomenology", "reframing"), 2: ("reframing",)}


async def test_ctrl_d_and_ctrl_u_scroll_a_long_turn(make_app: MakeApp, tmp_path: Path) -> None:
    from tests.conftest import write

    folder = tmp_path / "long"
    write(folder / "purer.toml", '[study]\nname = "l"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "c.toml", '[codebook]\nname = "c"\n[codes.a]\nkey = "a"\nlabel = "A"\ndefinition = "a"\n')
    write(folder / "t.txt", "Participant 1: " + " ".join(f"word{i}" for i in range(1500)) + "\nTherapist: ok\n")
    app, prepared = make_app(folder=folder)
    async with app.run_test(size=SIZE) as pilot:
        current = app.query_one("#current")
        assert current.scroll_y == 0 and current.max_scroll_y > 0
        await pilot.press("ctrl+d")
        assert current.scroll_y > 0 and prepared.session.turn.number == 1  # the text moved, not the turn
        await pilot.press("ctrl+u", "ctrl+u")
        assert current.scroll_y == 0


async def test_a_transcript_where_the_only_speaker_never_speaks_shows_a_message_not_a_crash(
    make_app: MakeApp, demo_study: Path
) -> None:
    (demo_study / "transcripts" / "grp1-s04.txt").write_text(
        "Therapist: Welcome back.\nGuest: Thank you for having me.\n"
    )
    app, prepared = make_app(only=["guest"])  # matched ignoring case
    async with app.run_test(size=SIZE) as pilot:
        assert "only guest" in str(app.query_one("#location").render())  # as the coder named it
        assert (prepared.session.index, prepared.session.turn.number) == (3, 2)  # the first turn of the guest's
        await pilot.press("left_square_bracket")
        assert prepared.session.turn is None
        await pilot.press("j", "p", "enter", "space", "m", "exclamation_mark", "delete", "left_square_bracket")
        assert prepared.session.index == 1
        assert "No turns to code here" in str(app.query_one("#heading").render())
        assert records(prepared, 2) == {} and records(prepared, 1) == {}
        await pilot.press("n")
        assert (prepared.session.index, prepared.session.turn.number) == (3, 2)


async def test_a_memo_alone_leaves_the_turn_unreviewed_and_n_stops_there(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", *"ask ben", "escape")
        assert session.record.memo == "ask ben" and not session.record.reviewed
        assert "○ Turn 1/17" in str(app.query_one("#heading").render())
        assert session.progress().reviewed == 0
        await pilot.press("enter", "enter")  # turn 1 reviewed now (memo kept), turn 2 too
        assert records(prepared) == {1: (), 2: ()} and session.progress().reviewed == 2


async def test_delete_makes_the_turn_unreviewed_and_undo_restores_it(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ana")
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "5", "enter")
        memo = session.record.memo
        await pilot.press("delete")
        assert not session.record.reviewed and session.record.codes == () and session.record.memo == memo
        assert "○ Turn 5/17" in str(app.query_one("#heading").render())
        await pilot.press("delete")
        assert any("not reviewed" in n.message for n in app._notifications)
        await pilot.press("backspace")
        assert session.record.reviewed and session.record.codes == ("stage-1",)


async def test_bang_flags_a_turn_shown_in_the_heading_and_progress_and_n_stops_there(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ana")  # ana reviewed every turn
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", "4", "enter", "exclamation_mark")
        assert session.record.flag and session.record.reviewed
        assert "⚑ flagged" in str(app.query_one("#heading").render())
        assert "⚑1" in str(app.query_one("#location").render())
        await pilot.press("g", "n")
        assert session.turn.number == 4  # the only turn that needs ana again
        await pilot.press("exclamation_mark")
        assert not session.record.flag
        await pilot.press("n")
        assert any("none is flagged" in n.message for n in app._notifications)


async def test_a_code_for_another_role_is_applied_with_a_notice(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "p")  # turn 3 is Participant 1's; Phenomenology is a therapist's move
        assert records(prepared) == {3: ("phenomenology",)}
        assert any(
            "Phenomenology is for staff turns; Participant 1 is participant" in n.message for n in app._notifications
        )


async def test_leaving_a_transcript_with_turns_to_review_says_how_many(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "right_square_bracket")
        assert prepared.session.index == 1
        assert any("Left grp1-s01.txt with 16 turn(s) still to review" in n.message for n in app._notifications)


async def test_a_refused_step_is_never_taken_for_nothing_to_do(make_app: MakeApp, demo_study: Path) -> None:
    """A transcript replaced under the app refuses changes: enter must not move on,
    undo must not say "nothing to undo"."""
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "j")  # one change to undo, then on to turn 2, not reviewed
        transcript = demo_study / "transcripts" / "grp1-s01.txt"
        transcript.write_text("Facilitator: a new first turn\n" + transcript.read_text())
        await pilot.press("enter")
        assert session.turn.number == 2 and not session.current.is_reviewed(2)  # refused: stays on the turn
        await pilot.press("backspace")
        messages = [n.message for n in app._notifications]
        assert any("changed on disk while it was open" in m for m in messages)
        assert not any("Nothing to undo" in m for m in messages)


async def test_a_huge_turn_is_shown_in_part_so_keys_stay_quick(make_app: MakeApp, tmp_path: Path) -> None:
    from purer_tui.tui.rendering import SHOWN_CHARACTERS
    from tests.conftest import write

    study = tmp_path / "huge"
    write(study / "purer.toml", '[study]\nname = "h"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(study / "c.toml", '[codebook]\nname = "c"\n[codes.x]\nkey = "x"\nlabel = "X"\ndefinition = "x"\n')
    write(study / "t.txt", "A: " + "word " * 400_000 + "\nB: short\n")  # a 2 MB turn
    app, prepared = make_app(folder=study)
    async with app.run_test(size=SIZE) as pilot:
        shown = str(app.query_one("#body").render())
        assert len(shown) < SHOWN_CHARACTERS + 200 and "more characters of this turn" in shown
        await pilot.press("x", "j", "k")
        assert records(prepared) == {1: ("x",)}


def reads_held_back(session, monkeypatch: pytest.MonkeyPatch) -> threading.Event:  # type: ignore[no-untyped-def]
    """Every transcript counts as large, and a worker's read waits until the returned event is set."""
    import purer_tui.core.transcript_cache as cache_module

    monkeypatch.setattr(cache_module, "QUICK_BYTES", 0)
    session.cache._read.clear()  # nothing read ahead
    go_on = threading.Event()
    real = session.cache.read

    def read(path: Path):  # type: ignore[no-untyped-def]
        if threading.current_thread() is not threading.main_thread():
            assert go_on.wait(10)
        return real(path)

    monkeypatch.setattr(session.cache, "read", read)
    return go_on


async def test_a_transcript_too_large_to_read_at_once_is_read_in_a_worker_then_shown(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, prepared = make_app(coder="ben")  # ben: session 1 coded, session 2 up to turn 8, session 3 not at all
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_on = reads_held_back(session, monkeypatch)
        await pilot.press("right_square_bracket")
        assert session.index == 1 and any("Opening grp1-s03.vtt" in n.message for n in app._notifications)
        go_on.set()
        await settle(pilot)
        assert (session.index, session.turn.number) == (2, 1)
        assert "grp1-s03.vtt 3/3" in str(app.query_one("#location").render())
        go_on.clear()
        session.cache._read.clear()
        await pilot.press("G", "n")  # n across transcripts: the study index knows where, the worker reads it
        assert session.index == 2 and any("Opening grp1-s02.txt" in n.message for n in app._notifications)
        go_on.set()
        await settle(pilot)
        assert (session.index, session.turn.number) == (1, 9)


async def test_n_without_the_index_looks_in_a_worker(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app, prepared = make_app(coder="ben", only=["therapist"])  # --only: the index's counts are of all turns, so unused
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_on = reads_held_back(session, monkeypatch)
        start = session.index
        await pilot.press("G", "n")
        assert session.index == start and any(
            "Looking for the next turn to review" in n.message for n in app._notifications
        )
        go_on.set()
        await settle(pilot)
        assert session.index != start and session.current.needs_review(session.turn.number)


async def test_keys_typed_while_a_transcript_is_read_land_where_the_coder_goes(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_on = reads_held_back(session, monkeypatch)
        await pilot.press("right_square_bracket", "e", "enter", "r")  # typed ahead: a code, review, a code
        assert session.index == 0 and records(prepared, 0) == {}  # nothing lands on the transcript being left
        go_on.set()
        await settle(pilot)
        assert session.index == 1 and records(prepared, 1) == {1: ("education",), 2: ("reframing",)}
        assert records(prepared, 0) == {}


async def test_quick_bracket_presses_each_move_one_transcript(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_on = reads_held_back(session, monkeypatch)
        await pilot.press("right_square_bracket", "right_square_bracket")
        go_on.set()
        await settle(pilot)
        assert session.index == 2
        await pilot.press("left_square_bracket", "left_square_bracket", "j")
        await settle(pilot)
        assert (session.index, session.turn.number) == (0, 2)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_study_progress_takes_in_what_another_window_codes(
    make_app: MakeApp, demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import purer_tui.tui.app as app_module
    from purer_tui.services.coding_setup import prepare_session

    monkeypatch.setattr(app_module, "RECOUNT_SECONDS", 0.05)
    app, prepared = make_app(coder="eve")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e", "right_square_bracket", "p", "left_square_bracket")  # codes in session 2, and leaves it
        await settle(pilot)
        assert app.study_progress().reviewed == 2
        other = prepare_session(
            [demo_study / "transcripts" / "grp1-s02.txt"], "eve", None, [], False
        )  # a second window
        other.session.move(1)
        other.session.toggle_code("reframing")
        other.session.move(1)
        other.session.toggle_code("stage-1")
        other.session.close()
        other.locks.release()
        for _ in range(50):  # the app counts again every few seconds (here 0.05 s), in a worker: wait for it
            await pilot.pause(0.1)
            await settle(pilot)
            if app.study_progress().reviewed == 4:
                break
        assert app.study_progress().reviewed == 4


async def test_a_count_that_finishes_after_the_app_closed_is_dropped(make_app: MakeApp) -> None:
    """The progress worker (and the suggestion model's) may finish while the app shuts down: its result
    arrives when no screen is left, and must not end the app with an error."""
    app, prepared = make_app(coder="eve")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    app._progress_counted({}, 0, {})  # raised ScreenStackError before


async def test_a_transcript_that_cannot_be_read_never_ends_the_app(make_app: MakeApp, demo_study: Path) -> None:
    app, prepared = make_app(coder="ana")  # ana reviewed everything: n looks through every transcript
    bad = demo_study / "transcripts" / "grp1-s02.txt"
    async with app.run_test(size=SIZE) as pilot:
        bad.write_bytes(bad.read_bytes() + b"\x00")  # a pull brings a damaged transcript
        prepared.session.cache._read.clear()
        await pilot.press("n", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert app.is_running and app.return_code is None
        messages = " ".join(n.message for n in app._notifications)
        assert "grp1-s02.txt" in messages


async def test_keys_typed_in_one_burst_wait_for_the_transcript_a_key_opens(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal delivers `] ] f` at once: every key is on its way before the first has run."""
    from textual.events import Key

    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_on = reads_held_back(session, monkeypatch)
        for key, character in (("right_square_bracket", "]"), ("right_square_bracket", "]"), ("f", "f")):
            app.post_message(Key(key, character))
        await pilot.pause()
        go_on.set()
        for _ in range(20):  # each `]` opens a transcript in a worker, the next key waits for it: a chain
            await settle(pilot)
            if session.index == 2 and records(prepared, 2):
                break
        assert session.index == 2 and records(prepared, 2) == {1: ("reinforcement",)}
        assert records(prepared, 0) == {} and records(prepared, 1) == {}
