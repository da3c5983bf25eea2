"""The documented formats stay true to the code."""

from __future__ import annotations

import re

from purer_tui.core.keys import APP_KEYS
from tests.conftest import REPO


def test_the_documented_binding_ids_are_the_apps() -> None:
    doc = (REPO / "docs" / "formats.md").read_text()
    listed = doc.split("The ids:")[1].split("(one table")[0]
    assert set(re.findall(r"`([a-z_]+\.[a-z_]+)`", listed)) == {app_key.id for app_key in APP_KEYS}


def test_the_documented_reserved_characters_are_the_apps() -> None:
    doc = (REPO / "docs" / "formats.md").read_text()
    listed = doc.split("nor by the coding app itself: `")[1].split("`")[0]
    assert set(listed.split()) == {key for app_key in APP_KEYS for key in app_key.keys if len(key) == 1}


def test_the_readme_key_table_has_every_default_key() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("| key | does |")[1].split("\n\n")[0]
    documented = set(re.findall(r"`([^`]+)`", table))
    missing = [(app_key.id, key) for app_key in APP_KEYS for key in app_key.keys if key not in documented]
    assert missing == []
