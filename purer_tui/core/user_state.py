"""The user's own state, outside every study: `$XDG_STATE_HOME/purer-tui` (else `~/.local/state/purer-tui`).

It holds what must never travel with a study: crash reports, and the key that
signs this user's caches kept in a study (the study index, the similarity
cache), so that a cache a pull brings (from a teammate who copied this clone's
file signatures) is never taken for one this user's own app wrote. The folder
is 0700 and its files 0600.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_FILE = "index-key"
KEY_BYTES = 32


def state_folder() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "purer-tui"


def private_key() -> bytes | None:
    """This user's signing key, made on first use; None when it cannot be had (then nothing is signed or trusted)."""
    folder = state_folder()
    path = folder / KEY_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            return _read_key(path)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        return _read_key(path)
    except OSError:
        return None


def _read_key(path: Path) -> bytes | None:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.geteuid() or stat.S_IMODE(status.st_mode) & 0o077:
            return None  # not a key only this user could have written
        key = os.read(descriptor, KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    return key if len(key) == KEY_BYTES else None


def signature_of(payload: str, key: bytes) -> str:
    """The HMAC-SHA256 of `payload` with `key`, in hex."""
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_text(header: str, payload: str) -> str | None:
    """A cache file's text: a first line of `header` and the payload's signature with this user's key, then the
    payload; None when there is no key (then nothing is written, as nothing could be believed)."""
    key = private_key()
    return None if key is None else f"{header}{signature_of(payload, key)}\n{payload}"


def verified_payload(header: str, text: str | None) -> str | None:
    """The payload of a file `signed_text` made with this user's key and `header`; None for any other
    (unsigned, signed by someone else or for something else, damaged)."""
    if text is None or not text.startswith(header):
        return None
    first, _, payload = text.partition("\n")
    key = private_key()
    if key is None or not hmac.compare_digest(first[len(header) :], signature_of(payload, key)):
        return None
    return payload
