"""The two bars around the pager: where the coder is (top), and what this turn carries (bottom)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from purer_tui.core.reanchor import is_stale
from purer_tui.core.session import CodingSession, Place, Progress
from purer_tui.tui import rendering


class LocationBar(Static):
    """Transcript n of m, turn, this transcript's and the study's progress, coder, search."""

    DEFAULT_CSS = "LocationBar { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"

    def show(self, session: CodingSession, study: Progress | None, adjudicating: tuple[str, str] | None = None) -> None:
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
        if adjudicating:
            parts += ["  adjudicating ", rendering.literal(" vs ".join(adjudicating), "bold $text-warning")]
        if session.only:
            parts += ["  only ", rendering.literal(", ".join(session.only_asked), "$text-muted")]
        if session.search_term is not None:
            parts += [
                "  /",
                rendering.literal(session.search_term, "reverse"),
                (f" {session.hit_count} hits", "$text-muted"),
            ]
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


class TurnCodesBar(Static):
    """The current turn's codes and memo, and other coders' codes when shown."""

    DEFAULT_CSS = "TurnCodesBar { height: auto; max-height: 6; text-wrap: nowrap; text-overflow: ellipsis; }"

    def show(self, session: CodingSession, adjudicating: bool = False) -> None:
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
        lines.append(rendering.memo_line(record))
        if others and not adjudicating:
            lines.append(rendering.other_coders_line(session.codebook, others))
        self.update(Content("\n").join(lines))
