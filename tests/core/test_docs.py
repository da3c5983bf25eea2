"""The documented formats stay true to the code."""

from __future__ import annotations

import re

from purer_tui.core.keys import APP_KEYS
from tests.conftest import REPO


def test_the_documented_binding_ids_are_the_apps() -> None:
    doc = (REPO / "docs" / "formats.md").read_text()
    listed = doc.split("The ids:")[1].split("(one table")[0]
    assert set(re.findall(r"`([a-z_]+\.[a-z_]+)`", listed)) == {app_key.id for app_key in APP_KEYS}
