"""The footer: Textual's, with help and quit first, so that no terminal width cuts them off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from purer_tui.core.keys import APP_KEYS, FOOTER_FIRST

_FIRST_ACTIONS = tuple(app_key.action for app_key in APP_KEYS if app_key.id in FOOTER_FIRST)
#: Left out of the footer while adjudicating, to make room for the four adjudication keys at 80 columns
#: (the keys still work, and help lists them).
_NOT_WHILE_ADJUDICATING = frozenset(
    app_key.action for app_key in APP_KEYS if app_key.id in ("turn.next", "code.pick", "memo.edit")
)

_CONFIRM_ACTION = next(app_key.action for app_key in APP_KEYS if app_key.id == "turn.review")


class CodingFooter(Footer):
    """The keys in the footer, `FOOTER_FIRST` first (a narrow terminal cuts the footer at the right)."""

    #: Set by the app while adjudicating: the footer then leaves out `_NOT_WHILE_ADJUDICATING`.
    adjudicating = False
    #: Set by the app while rechecking: enter confirms a turn as current, and says so.
    rechecking = False

    def compose(self) -> ComposeResult:
        shown = list(super().compose())
        if self.adjudicating:
            shown = [widget for widget in shown if getattr(widget, "action", None) not in _NOT_WHILE_ADJUDICATING]
        if self.rechecking:
            for widget in shown:
                if getattr(widget, "action", None) == _CONFIRM_ACTION:
                    widget.description = "Confirm"  # type: ignore[attr-defined]
        # Each key is a FooterKey (not exported by Textual), which keeps the action it runs.
        first = sorted(
            (widget for widget in shown if getattr(widget, "action", None) in _FIRST_ACTIONS),
            key=lambda widget: _FIRST_ACTIONS.index(getattr(widget, "action", "")),
        )
        yield from first
        yield from (widget for widget in shown if widget not in first)
