"""The screen at 80x24: a ten-code, three-group codebook fits whole, beside a readable turn."""

from __future__ import annotations

from pathlib import Path

from purer_tui.tui.widgets.codebook_panel import CodeList
from tests.conftest import write
from tests.tui.conftest import MakeApp

GROUPS = {
    "affect": ("Affect", True, ["Positive feeling", "Negative feeling", "Mixed feeling"]),
    "theme": ("Themes", False, ["Barrier to practice", "Facilitator of practice", "Coping strategy", "Social support"]),
    "move": ("Therapist moves", False, ["Open question", "Reflection", "Psychoeducation"]),
}
KEYS = iter("123bcosxyz")


def ten_code_study(folder: Path) -> Path:
    lines = ['[codebook]\nname = "Ten codes"\n']
    for group_id, (label, exclusive, _) in GROUPS.items():
        lines.append(f'[groups.{group_id}]\nlabel = "{label}"\nexclusive = {str(exclusive).lower()}\n')
    for group_id, (_, _, labels) in GROUPS.items():
        for number, label in enumerate(labels):
            lines.append(
                f'[codes.{group_id}-{number}]\ngroup = "{group_id}"\nkey = "{next(KEYS)}"\n'
                f'label = "{label}"\ndefinition = "d"\n'
            )
    write(folder / "codebook.toml", "\n".join(lines))
    write(folder / "purer.toml", '[study]\nname = "t"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "s.txt", "Therapist: hello\nParticipant 1: hi\n")
    return folder


async def test_ten_codes_in_three_groups_show_every_key_and_label_at_80x24(make_app: MakeApp, tmp_path: Path) -> None:
    app, _ = make_app(folder=ten_code_study(tmp_path / "ten"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(CodeList)
        assert panel.max_scroll_y == 0  # nothing hidden below the fold
        shown = "\n".join(panel.render_line(y).text for y in range(panel.size.height))
        for key in "123bcosxyz":
            assert f" {key} " in shown
        for _, _, labels in GROUPS.values():
            for label in labels:
                assert label in shown.replace("\n", " ")
        assert "one of" in shown  # the exclusive group is marked


async def test_the_bundled_purer_codebook_fits_at_80x24_too(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(CodeList).max_scroll_y == 0


async def test_codes_not_for_the_speakers_role_are_dimmed(make_app: MakeApp) -> None:
    """The demo study declares roles: PURER moves are for staff, stages for participants."""
    app, prepared = make_app()

    def dimmed(label: str) -> bool:
        """Whether the label, as drawn (a long one cut with an ellipsis), is dim."""
        for y in range(panel.size.height):
            for segment in panel.render_line(y):
                if label[:20] in segment.text:
                    return bool(segment.style and segment.style.dim)
        raise AssertionError(f"{label} is not drawn")

    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(CodeList)
        assert prepared.session.turn.speaker == "Therapist"
        assert dimmed("1 Attention dysregulation") and not dimmed("Phenomenology")
        await pilot.press("j", "j")  # turn 3: Participant 1
        assert not dimmed("1 Attention dysregulation") and dimmed("Phenomenology")
