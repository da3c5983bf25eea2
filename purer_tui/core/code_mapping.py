"""Carrying coded turns along with a codebook change: which codes become which, record by record.

A rename maps one id to another and keeps what the coder confirmed about it
(`rechecked`: the definition is the same). A merge maps several ids to one;
a turn carries the target once, and the confirmations of the merged codes are
dropped (the target's definition now covers them; the coder has not confirmed
that). Conflict versions are mapped like the record's own codes, so nothing a
merge kept is left behind under an old id. Pure: no files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from purer_tui.core.annotation_records import (
    AnnotationRecord,
    Conflict,
    Rechecked,
    TurnVersion,
    rechecked_for,
    suggested_for,
)

#: Puts code ids in codebook order (`Codebook.in_codebook_order`).
Order = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class CodeMapping:
    """Old id -> new id. `merge` drops the confirmations (`rechecked`) of the codes mapped away."""

    into: Mapping[str, str]
    merge: bool = False

    def touches(self, codes: tuple[str, ...]) -> bool:
        return any(code in self.into for code in codes)

    def codes(self, codes: tuple[str, ...], order: Order) -> tuple[str, ...]:
        mapped = {self.into.get(code, code) for code in codes}
        return tuple(order(list(mapped)))

    def rechecked(self, rechecked: Rechecked, codes: tuple[str, ...]) -> Rechecked:
        if not rechecked:
            return ()
        if self.merge:
            kept = [(code, fingerprint) for code, fingerprint in rechecked if code not in self.into]
        else:
            kept = [(self.into.get(code, code), fingerprint) for code, fingerprint in rechecked]
        return rechecked_for(tuple(sorted(dict(kept).items())), codes)

    def suggested(self, version: TurnVersion, codes: tuple[str, ...]) -> tuple[str, ...]:
        """A mapped code is suggested only when every code mapped into it was: one applied unprompted makes it the
        coder's own decision."""
        if not version.suggested:
            return ()
        own = {self.into.get(code, code) for code in version.codes if code not in version.suggested}
        return suggested_for(tuple(code for code in codes if code not in own), codes)

    def version(self, version: TurnVersion, order: Order) -> TurnVersion:
        if not self.touches(version.codes):
            return version
        codes = self.codes(version.codes, order)
        return TurnVersion(
            codes,
            version.memo,
            version.anchor,
            version.reviewed,
            version.flag,
            self.rechecked(version.rechecked, codes),
            self.suggested(version, codes),
        )

    def record(self, record: AnnotationRecord, order: Order) -> AnnotationRecord:
        """The record with its codes (and its conflict's versions) mapped; the same object when nothing changes."""
        conflict = record.conflict
        if conflict is not None and any(self.touches(version.codes) for version in conflict.versions):
            conflict = Conflict(
                self.version(conflict.ours, order) if conflict.ours else None,
                self.version(conflict.theirs, order) if conflict.theirs else None,
                tuple(self.version(version, order) for version in conflict.more),
            )
        if conflict is record.conflict and not self.touches(record.codes):
            return record
        return AnnotationRecord.from_version(record.turn, self.version(record.version, order), conflict)

    def changed_versions(self, record: AnnotationRecord) -> int:
        """How many of a record's conflict versions carry a code this mapping changes."""
        if record.conflict is None:
            return 0
        return sum(1 for version in record.conflict.versions if self.touches(version.codes))


def versions_of(record: AnnotationRecord) -> list[tuple[str, tuple[str, ...]]]:
    """The record's codes and each conflict version's, named as a coder would ("ours", "theirs", "more 1")."""
    named = [("", record.codes)]
    if record.conflict is not None:
        if record.conflict.ours is not None:
            named.append(("ours", record.conflict.ours.codes))
        if record.conflict.theirs is not None:
            named.append(("theirs", record.conflict.theirs.codes))
        named += [(f"more {index}", version.codes) for index, version in enumerate(record.conflict.more, start=1)]
    return named
