"""Transcript text, speaker names, codebook labels and memos are shown literally, never run."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write
from tests.tui.conftest import MakeApp

HOSTILE_TURN = (
    "[bold red]loud[/] [@click=app.quit]click me[/] [link=https://example.com]link[/link] "
    "\x1b]52;c;ZXZpbA==\x07 \x1b]0;pwned\x07 \x1b[2J \x9b31m \x7f "
    "🙂 好的 مرحبا 👩‍👩‍👧"
)


def hostile_study(folder: Path) -> Path:
    write(
        folder / "codebook.toml",
        '[codebook]\nname = "[b]cb[/b]"\n[codes.odd]\nkey = "o"\n'
        'label = "[red]Odd[/red] \\u001b]0;x\\u0007"\ndefinition = "[@click=app.quit]d[/]"\n',
    )
    write(folder / "purer.toml", '[study]\nname = "h"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "hostile.txt", f"[red]Eve[/red]: {HOSTILE_TURN}\nParticipant 1: plain\n")
    return folder


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(widget.render()) for widget in app.screen.query("Static"))


async def test_markup_and_escapes_in_a_transcript_render_literally(make_app: MakeApp, tmp_path: Path) -> None:
    app, prepared = make_app(folder=hostile_study(tmp_path / "h"))
    async with app.run_test(size=(100, 30)) as pilot:
        text = screen_text(app)
        assert "[bold red]loud[/] [@click=app.quit]click me[/] [link=https://example.com]link[/link]" in text
        assert "[red]Eve[/red]" in text and "[red]Odd[/red]" in text
        assert "␛]52;c;ZXZpbA==␇" in text and "␛]0;pwned␇" in text and "<U+009B>" in text and "␡" in text
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
        assert "🙂 好的 مرحبا" in text
        await pilot.press("o", "m", *"[@click=app.quit]memo[/]", "escape", "question_mark")
        assert app.is_running  # no markup action ran
        help_text = screen_text(app)
        assert "[@click=app.quit]d[/]" in help_text and "[b]cb[/b]" in help_text
        await pilot.press("escape")
        assert "[@click=app.quit]memo[/]" in screen_text(app)
    assert prepared.session.record.codes == ("odd",)
