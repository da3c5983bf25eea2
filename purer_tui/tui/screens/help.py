"""`?`: the codebook with definitions, guidance and examples (the current speaker's codes first), then every key."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from purer_tui.core.codebook import Codebook, CodeGroup
from purer_tui.core.codebook_outline import SEPARATOR, heading_trail
from purer_tui.core.keys import APP_KEYS
from purer_tui.tui import rendering

#: Levels of nesting the help indents a code by; deeper codes line up with this level.
HELP_INDENT_LEVELS = 6


def help_content(
    codebook: Codebook, keys: Mapping[str, tuple[str, ...]], palette_key: str | None, role: str | None = None
) -> Content:
    """The help text: the codebook's definitions first, then every app key as the keymap has it.

    With the current speaker's `role`, the groups for that role come first (what the coder needs
    for this turn), then the rest of the codebook. No key name is written here: each comes from
    `keys` (from `app_keys`), or, for the command palette (Textual's own binding, not in the app's
    table), from `palette_key`.
    """
    pick_keys = keys.get("code.pick", ())
    groups = [group for group in codebook.groups if codebook.codes_in(group.id)]
    for_role = [group for group in groups if group.applies_to(role)]
    if len(for_role) == len(groups):  # no role, or every code fits it: the codebook in its own order
        for_role = []
    first = {group.id for group in for_role}
    rest = [group for group in groups if group.id not in first]
    lines: list[Content] = []
    if for_role:
        lines.append(Content.assemble(rendering.literal(f"Codes for {role} turns", "bold underline")))
        lines += _groups_lines(codebook, for_role, pick_keys)
        lines += [Content(""), Content.assemble(rendering.literal(codebook.info.name, "bold underline"))]
        if codebook.info.description:
            lines.append(rendering.literal(codebook.info.description, "$text-muted"))
        lines.append(Content.styled(f"Codes not for {role} turns", "italic $text-muted"))
    else:
        lines.append(Content.assemble(rendering.literal(codebook.info.name, "bold underline")))
        if codebook.info.description:
            lines.append(rendering.literal(codebook.info.description, "$text-muted"))
    lines += _groups_lines(codebook, rest, pick_keys)
    lines += [Content(""), Content.styled("Keys", "bold underline")]
    for app_key in APP_KEYS:
        shown = ", ".join(keys.get(app_key.id, app_key.keys)) or "(none)"
        lines.append(Content.assemble((f"  {shown:<18}", "bold $accent"), app_key.description))
    if palette_key:
        lines.append(
            Content.assemble((f"  {palette_key:<18}", "bold $accent"), "Command palette: every action by name")
        )
    accept = ", ".join(keys.get("suggestion.accept", ())) or "the palette"
    lines += [
        Content(""),
        Content.assemble(
            (f"  {rendering.SUGGESTED_MARK}", "bold $warning"),
            f" before a code: suggested for this turn (autocode --as-suggestions). {accept} applies the suggested "
            "codes, a code's key applies one; enter reviews the turn without the others.",
        ),
    ]
    return Content("\n").join(lines)


def _groups_lines(codebook: Codebook, groups: list[CodeGroup], pick_keys: tuple[str, ...]) -> list[Content]:
    """Each group's codes with their keys, definitions, guidance and examples.

    A nested group's heading names the groups above it ("Coping › Breath"); a code under codes is
    indented under them, with its definition (two cells a level, at most `HELP_INDENT_LEVELS` levels).
    """
    lines: list[Content] = []
    for group in groups:
        lines.append(Content(""))
        suffix = "  (one per turn at most)" if group.exclusive else ""
        above = heading_trail(codebook, group.id)[:-1]
        lines.append(
            Content.assemble(
                rendering.literal("".join(label + SEPARATOR for label in above), "$text-muted"),
                rendering.literal(group.label, "bold"),
                (suffix, "italic $text-muted"),
            )
        )
        if group.description:
            lines.append(rendering.literal(group.description, "$text-muted"))
        for code in codebook.codes_in(group.id):
            key = code.key or (pick_keys[0] if pick_keys else "")  # no key of its own: the picker's
            indent = "  " * min(codebook.code_depth(code.id), HELP_INDENT_LEVELS)
            lines.append(
                Content.assemble(
                    (f"  {indent}", ""),
                    rendering.code_swatch(code),
                    (f" {key:<6}", "bold $accent"),
                    rendering.literal(code.label, "bold"),
                )
            )
            for title, text in (("definition", code.definition), ("include", code.include), ("exclude", code.exclude)):
                if text:
                    lines.append(
                        Content.assemble(
                            (f"      {indent}{title}: ", "italic"), rendering.literal(" ".join(text.split()))
                        )
                    )
            for example in code.examples:
                lines.append(
                    Content.assemble(
                        (f"      {indent}e.g. ", "italic"), rendering.literal(f"“{example}”", "$text-muted")
                    )
                )
    return lines


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,ctrl+c", "dismiss", "Close help", id="help.close"),
        Binding("j,down", "scroll('down')", "Down", show=False, id="help.scroll_down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="help.scroll_up"),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "scroll('page_up')", "Page up", show=False, id="help.page_up"),
    ]

    def __init__(self, content: Content) -> None:
        super().__init__()
        self._content = content

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._content, markup=False)

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        getattr(body, f"scroll_{where}")(animate=False)
