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
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.study import Study


@dataclass(frozen=True)
class TranscriptInfo:
    path: Path
    fields: dict[str, str]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def session(self) -> int | None:
        value = self.fields.get("session", "")
        return int(value) if value.isdigit() else None

    @property
    def group(self) -> str | None:
        return self.fields.get("group")


def transcript_info(study: Study, path: Path) -> TranscriptInfo:
    fields: dict[str, str] = {}
    pattern = study.settings.metadata_pattern
    if pattern:
        match = re.search(pattern, path.stem)
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
