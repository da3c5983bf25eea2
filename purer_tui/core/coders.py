"""Coder ids: who coded, as a short id that is also part of a file name.

`X.txt` coded by `ana` is stored in `X.ana.jsonl`, so a coder id must never
be able to name a path outside the transcript's folder: lowercase letters,
digits, `-` and `_`, at most 32 characters.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping

from purer_tui.core.errors import UsageError

CODER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DEFAULT_CODER = "coder"
#: The coder `code --adjudicate` writes by default; agreement leaves it out unless named, reports prefer it.
CONSENSUS_CODER = "consensus"


def validate_coder(coder: str) -> str:
    """A coder id is a file name part: it can never reach outside the transcript's folder."""
    if not CODER_PATTERN.match(coder):
        raise UsageError(
            f'"{coder}" is not a valid coder id; '
            'use 1-32 lowercase letters, digits, "-" or "_", starting with a letter or digit'
        )
    return coder


def default_coder(environ: Mapping[str, str] | None = None) -> str:
    """`PURER_CODER`, else the login name when it is a valid coder id, else "coder"."""
    environ = os.environ if environ is None else environ
    if environ.get("PURER_CODER"):
        return validate_coder(environ["PURER_CODER"])
    try:
        login = getpass.getuser().lower()
    except Exception:  # no login name in some containers
        return DEFAULT_CODER
    return login if CODER_PATTERN.match(login) else DEFAULT_CODER
