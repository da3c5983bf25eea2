"""What a transcript is and who speaks in it: group, session and date; speaker roles and cases.

The study file says it (see docs/formats.md): fields captured from each
transcript's file name by `metadata_pattern`, overridden by explicit
`[metadata."<name>"]` tables; and `[roles]`, each role's speakers by name or
glob. A case is one person across sessions: a participant's speaker label
within a group (`Participant 2` of group 1), a staff member's own label.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.core.study import METADATA_NAME_CHARACTERS, Study


@dataclass(frozen=True)
class TranscriptInfo:
    path: Path
    fields: dict[str, str]
    # Worked out once: reports read them for every one of a transcript's coded turns.
    name: str = field(init=False)
    session: int | None = field(init=False)
    group: str | None = field(init=False)

    def __post_init__(self) -> None:
        value = self.fields.get("session", "")
        object.__setattr__(self, "name", self.path.stem)
        object.__setattr__(self, "session", int(value) if value.isdigit() else None)
        object.__setattr__(self, "group", self.fields.get("group"))


def transcript_info(study: Study, path: Path) -> TranscriptInfo:
    fields: dict[str, str] = {}
    pattern = study.settings.metadata_pattern
    if pattern:
        match = re.search(pattern, path.stem[:METADATA_NAME_CHARACTERS])
        if match:
            fields.update({name: value for name, value in match.groupdict().items() if value is not None})
    fields.update(study.metadata.get(path.stem, {}))
    return TranscriptInfo(path, fields)


def speaker_role(study: Study, speaker: str) -> str | None:
    """The first role whose names or globs match the speaker; None when no role does."""
    for role, patterns in study.roles.items():
        if any(speaker == pattern or fnmatch.fnmatchcase(speaker, pattern) for pattern in patterns):
            return role
    return None


def case_of(info: TranscriptInfo, speaker: str) -> str:
    """One person across sessions: the speaker label, within the transcript's group when it has one."""
    return f"{speaker} (group {info.group})" if info.group else speaker
