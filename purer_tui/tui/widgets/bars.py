"""The two bars around the pager: where the coder is (top), and what this turn carries (bottom)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from purer_tui.core.reanchor import is_stale
from purer_tui.core.session import CodingSession, Place, Progress
from purer_tui.tui import rendering

#: Characters of a search term shown in the location bar: a long one would hide which hit this is.
SHOWN_TERM = 20


class LocationBar(Static):
    """Transcript n of m, turn, this transcript's and the study's progress, coder, search."""

    DEFAULT_CSS = "LocationBar { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"

    def show(self, session: CodingSession, study: Progress | None, adjudicating: tuple[str, str] | None = None) -> None:
        if session.recheck is not None:
            self.update(self._rechecking(session))
            return
        place = session.place() if adjudicating else None
        if adjudicating and place is not None:
            self.update(self._adjudicating(session, adjudicating, place))
            return
        progress = session.progress()
        parts: list[Content | tuple[str, str] | str] = [
            rendering.literal(session.current.path.name, "bold"),
            (f" {session.index + 1}/{len(session.paths)}", "$text-muted"),
            "  reviewed ",
            (f"{progress.reviewed}/{progress.total}", "bold"),
            (f" {rendering.FLAG_MARK}{progress.flagged}", "bold $warning") if progress.flagged else "",
            "  study ",
            (f"{study.reviewed}/{study.total}", "bold") if study else ("…", "$text-muted"),
            "  coder ",
            rendering.literal(session.coder, "bold"),
        ]
        waiting = session.suggestions.turn_count if session.suggestions is not None else 0
        if waiting and session.search_term is None:  # before the coder: turns waiting with suggestions, for n
            parts[7:7] = [(f"  {rendering.SUGGESTED_MARK}{waiting} suggested", "bold $warning")]
        if adjudicating:
            parts += ["  adjudicating ", rendering.literal(" vs ".join(adjudicating), "bold $text-warning")]
        if session.only:
            parts += ["  only ", rendering.literal(", ".join(session.only_asked), "$text-muted")]
        if session.search_term is not None:  # right after the name: while searching, the hit matters most
            term = session.search_term
            shown = term if len(term) <= SHOWN_TERM else term[: SHOWN_TERM - 1] + "…"
            # the turns waiting with suggestions right after: queueing a code on the hits shows at once
            queued = [(f"  {rendering.SUGGESTED_MARK}{waiting}", "bold $warning")] if waiting else []
            parts[2:2] = ["  /", rendering.literal(shown, "reverse"), search_status(session), *queued]
        self.update(Content.assemble(*parts))

    @staticmethod
    def _adjudicating(session: CodingSession, pair: tuple[str, str], place: Place) -> Content:
        """Adjudicating: which disagreement of how many over the whole session, and how many are settled
        (short enough for 80 columns with ordinary names)."""
        parts: list[Content | tuple[str, str] | str] = [
            rendering.literal(session.current.path.name, "bold"),
            (f" {session.index + 1}/{len(session.paths)}", "$text-muted"),
            "  disagreement ",
            (f"{place.number} of {place.total}", "bold"),
            "  settled ",
            (f"{place.reviewed}/{place.total}", "bold"),
            (f" {rendering.FLAG_MARK}{place.flagged}", "bold $warning") if place.flagged else "",
            "  ",
            rendering.literal(" vs ".join(pair), "bold $text-warning"),
            (" → ", "$text-muted"),
            rendering.literal(session.coder, "bold"),
        ]
        if session.search_term is not None:
            parts += [
                "  /",
                rendering.literal(session.search_term, "reverse"),
                (f" {session.hit_count}", "$text-muted"),
            ]
        return Content.assemble(*parts)

    @staticmethod
    def _rechecking(session: CodingSession) -> Content:
        """Rechecking: which turn to recheck of how many, and how many are left."""
        recheck = session.recheck
        assert recheck is not None
        place = session.place()
        parts: list[Content | tuple[str, str] | str] = [
            rendering.literal(session.current.path.name, "bold"),
            (f" {session.index + 1}/{len(session.paths)}", "$text-muted"),
            "  recheck ",
            (f"{place.number} of {place.total}" if place else "", "bold"),
            "  left ",
            (f"{recheck.total - recheck.done}", "bold $text-warning" if recheck.done < recheck.total else "bold"),
            "  coder ",
            rendering.literal(session.coder, "bold"),
        ]
        return Content.assemble(*parts)


def search_status(session: CodingSession) -> Content:
    """ "hit 3 of 12 (grp1-s02, turn 7)", "hit 3 of 4 (turn 7)" in one transcript, "12 hits" off a hit."""
    if session.searching:
        return Content.styled(" searching the study…", "$text-muted")
    if not session.hit_count:
        return Content.styled(" no hits", "bold $warning")
    count = f"{session.hit_count:,}{'+' if session.hits_capped else ''}"
    on = session.current_hit
    if on is None:
        return Content.styled(f" {count} hits", "$text-muted")
    name = session.paths[on.hit.transcript].stem
    return Content.assemble(
        (f" hit {on.ordinal + 1:,} of {count} (", "bold"),
        rendering.literal(f"{name}, " if session.search_scope == "study" else "", "bold"),
        (f"turn {on.hit.turn})", "bold"),
    )


class TurnCodesBar(Static):
    """The current turn's codes and memo, and other coders' codes when shown."""

    DEFAULT_CSS = "TurnCodesBar { height: auto; max-height: 6; text-wrap: nowrap; text-overflow: ellipsis; }"

    def show(self, session: CodingSession, adjudicating: bool = False, accept_key: str = "ctrl+a") -> None:
        record = session.record
        stale = record is not None and is_stale(record, session.current.transcript)
        lines = [*rendering.warning_lines(session.codebook, record, stale)]
        others = session.other_coders()
        if adjudicating:
            lines += rendering.adjudication_lines(session.codebook, others)
            lines.append(
                Content.assemble((f"= {session.coder}: ", "bold"), rendering.applied_codes(session.codebook, record))
            )
        else:
            lines.append(rendering.applied_codes(session.codebook, record))
        suggested = session.suggested_here()
        if suggested:
            lines.append(rendering.suggested_codes_line(session.codebook, suggested, accept_key))
        lines.append(rendering.memo_line(record))
        if others and not adjudicating:
            lines.append(rendering.other_coders_line(session.codebook, others))
        self.update(Content("\n").join(lines))
