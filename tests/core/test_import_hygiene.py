"""The core never imports textual or rich: reports, exports and the CLI start fast and run without a terminal."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import purer_tui.core


def test_importing_the_whole_core_loads_neither_textual_nor_rich() -> None:
    modules = [f"purer_tui.core.{info.name}" for info in pkgutil.iter_modules(purer_tui.core.__path__)]
    assert len(modules) >= 8
    code = "; ".join(f"import {name}" for name in modules) + (
        "; import sys; print(','.join(m for m in ('textual', 'rich') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"the core loaded {result.stdout.strip()}"
