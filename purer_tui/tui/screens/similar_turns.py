"""`ctrl+s`: the turns across the study most like the current one, each with this coder's codes on it.

The coder compares their own decisions on turns that say the same thing: the
current turn and its codes at the top, then the turns found, best first, each
on three lines (its score and where it is, a one-line excerpt, the codes this
coder gave it). The app finds them in a worker (`services.similar_turns`);
until they arrive the screen says it is looking. Enter goes to the chosen
turn; escape closes. Everything shown comes from the study's files: literal
text only, control characters made visible.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from purer_tui.core.codebook import Codebook
from purer_tui.core.safe_text import excerpt
from purer_tui.core.similarity import tokenize
from purer_tui.services.similar_turns import SimilarTurn, SimilarTurns
from purer_tui.tui import rendering

#: Characters of a turn's text looked at for its excerpt (a turn can be megabytes), and shown.
EXCERPT_SOURCE = 2000
EXCERPT = 200

FINDING = "Finding turns like this one…"


def decision(codebook: Codebook, codes: tuple[str, ...] | None, flagged: bool) -> Content:
    """A coder's codes on a turn as the codebook panel shows them (colour and label), or that there are none."""
    if codes is None:
        parts: list[Content | str] = [Content.styled("not reviewed", "$text-muted")]
    elif not codes:
        parts = [Content.styled("reviewed: no code", "$text-muted")]
    else:
        parts = []
        for code_id in codes:
            if parts:
                parts.append("  ")
            if codebook.has_code(code_id):
                code = codebook.code(code_id)
                parts += [rendering.code_swatch(code), " ", rendering.literal(code.label, "bold")]
            else:
                parts.append(rendering.literal(f"{code_id} (not in codebook)", "$error"))
    if flagged:
        parts += ["  ", Content.styled(f"{rendering.FLAG_MARK} flagged", "$warning")]
    return Content.assemble(*parts)


def turn_text(turn: SimilarTurn) -> str:
    return excerpt(turn.text[:EXCERPT_SOURCE], EXCERPT)


class SimilarTurnsScreen(ModalScreen[tuple[Path, int] | None]):
    """Up/down to move, enter to go to the turn, escape (or ctrl+c) to close."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="similar.close"),
        Binding("ctrl+c", "dismiss(None)", "Close", show=False, priority=True, id="similar.cancel"),
    ]

    def __init__(self, codebook: Codebook, asked: SimilarTurn, where: tuple[Path, int]) -> None:
        """`asked`: the current turn, with this coder's codes on it as the app has them; `where`: its transcript
        and number, which the found turns must answer for."""
        super().__init__()
        self.codebook = codebook
        self.asked = asked
        self.where = where
        self.result: SimilarTurns | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="similar"):
            yield Static(self._asked_content(), id="similar-asked", markup=False)
            yield Static(Content.styled(FINDING, "$text-muted"), id="similar-status", markup=False)
            yield OptionList(id="similar-list")

    def on_mount(self) -> None:
        self.query_one("#similar", Vertical).border_title = "Turns like this one"

    def _asked_content(self) -> Content:
        asked = self.asked
        return Content.assemble(
            rendering.literal(f"Turn {asked.turn} of {asked.name} · {asked.speaker or 'unknown speaker'}", "bold"),
            "\n",
            rendering.literal(turn_text(asked), "italic"),
            "\n",
            Content.styled("yours: ", "$text-muted"),
            decision(self.codebook, asked.codes, asked.flagged),
        )

    @property
    def status(self) -> str:
        return str(self.query_one("#similar-status", Static).render())

    def show(self, result: SimilarTurns) -> None:
        """The turns found: listed best first, the first highlighted."""
        self.result = result
        options = self.query_one(OptionList)
        options.clear_options()
        # a transcript by its file name alone (60 columns are few), by its path where two names are alike
        stems = [PurePosixPath(found.name).stem for found in result.found]
        short = len(set(stems)) == len({found.name for found in result.found})
        for rank, found in enumerate(result.found):
            options.add_option(Option(self._row(rank + 1, found, stems[rank] if short else found.name), id=str(rank)))
        if result.found:
            options.highlighted = 0
            options.focus()
            text = f"{len(result.found)} like it, best first · enter: go there · escape: close"
        elif not tokenize(self.asked.text[: EXCERPT_SOURCE * 50]):
            text = "This turn has no words to compare: common words such as 'the' and 'yes' are left out."
        else:
            text = "No other turn shares a word with it (common words such as 'the' and 'yes' are left out)."
        self.query_one("#similar-status", Static).update(Content.styled(text, "$text-muted"))

    def show_error(self, message: str) -> None:
        self.query_one("#similar-status", Static).update(rendering.literal(message, "$error"))

    def _row(self, rank: int, found: SimilarTurn, name: str) -> Content:
        return Content.assemble(
            Content.styled(f"{rank:>2}. {found.score:5.2f}  ", "$text-muted"),
            rendering.literal(f"{name} turn {found.turn}", "bold"),
            rendering.literal(f" · {found.speaker or 'unknown speaker'}", ""),
            "\n    ",
            rendering.literal(turn_text(found), ""),
            "\n    ",
            decision(self.codebook, found.codes, found.flagged),
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.result is not None and event.option.id is not None:
            chosen = self.result.found[int(event.option.id)]
            self.dismiss((chosen.transcript, chosen.turn))
