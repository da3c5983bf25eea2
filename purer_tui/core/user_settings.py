"""Personal settings: one person's config file, and which setting comes from where.

`$XDG_CONFIG_HOME/purer-tui/config.toml` (else `~/.config/purer-tui/config.toml`)
holds what belongs to a coder rather than to a study: their coder id, their
own keys for the app's bindings, `auto_advance`, a Textual theme name and
`suggest` (suggested codes when adjudicating; see services/suggestions.py).

Each setting takes its value from the first place that gives one: the command
line, then the environment (`PURER_CODER`, `TEXTUAL_THEME`), then the study
file's `[keys]` (keys a team shares win over a person's), then the user file,
then the defaults. `resolve_settings` records for each where it came from, so
`purer-tui config` can say so. Nothing here imports Textual: a theme name is
checked against Textual's themes by the command that starts the app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from purer_tui.core.coders import CODER_PATTERN, default_coder, validate_coder
from purer_tui.core.errors import InvalidFileError, Problem, display_path
from purer_tui.core.keys import ALWAYS_RESERVED, APP_KEYS, NAMED_CHARACTERS
from purer_tui.core.toml_files import TomlDocument, read_toml

CONFIG_FILE = "config.toml"
#: A settings file is a few lines; anything larger is not one (and is never read whole).
MAX_SETTINGS_BYTES = 64 * 1024
#: Textual's own default theme, shown when nothing chooses another.
DEFAULT_THEME = "textual-dark"
SETTINGS_DOC = "docs/settings.md"

COMMAND_LINE = "command line"
ENVIRONMENT = "environment"
STUDY_FILE = "study file"
USER_FILE = "user file"
DEFAULT = "default"

_DEFAULT_KEYS = {app_key.id: app_key.keys for app_key in APP_KEYS}


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the user's settings file is: `$XDG_CONFIG_HOME/purer-tui/config.toml`, else under `~/.config`.

    As the XDG specification says, an empty or relative `XDG_CONFIG_HOME` is ignored.
    """
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME", "")
    if not base or not os.path.isabs(base):
        home = environ.get("HOME")
        base = str((Path(home) if home else Path.home()) / ".config")
    return Path(base) / "purer-tui" / CONFIG_FILE


@dataclass(frozen=True)
class UserSettings:
    """What the user's settings file says (nothing when there is no file); `lines` locate each setting."""

    path: Path
    found: bool = False
    coder: str | None = None
    auto_advance: bool | None = None
    theme: str | None = None
    suggest: bool | None = None
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lines: Mapping[str, int | None] = field(default_factory=dict)

    def where(self, setting: str) -> str:
        """`config.toml:3`, for saying where a setting came from."""
        line = self.lines.get(setting)
        return f"{display_path(self.path)}:{line}" if line else display_path(self.path)

    def error(self, setting: str, message: str) -> InvalidFileError:
        return InvalidFileError([Problem(self.path, self.lines.get(setting), f"{setting}: {message}")])


def load_user_settings(path: Path | None = None) -> UserSettings:
    """Read and check the user's settings file; no file is no settings. Every mistake is an `InvalidFileError`
    naming the file, the line and what to do."""
    path = config_path() if path is None else path
    if not os.path.lexists(path):
        return UserSettings(path)
    try:
        # A dotfiles manager often links the file from elsewhere: it is the user's own, so links are followed.
        document = read_toml(path, "settings file", follow_links=True, limit=MAX_SETTINGS_BYTES)
    except InvalidFileError as error:
        first = error.problems[0]
        fix = f"; fix it, or see {SETTINGS_DOC}" if "syntax" in first.message else ""
        raise InvalidFileError([Problem(first.path, first.line, first.message + fix)]) from None
    problems: list[Problem] = []
    values = _check_settings(document, problems)
    keys = _check_keys(document, document.data.get("keys", {}), problems)
    if problems:
        raise InvalidFileError(problems)
    lines = {name: document.locate(name) for name in document.data if name != "keys"}
    lines.update({f"keys.{binding_id}": document.locate_in_table("keys", binding_id) for binding_id in keys})
    return UserSettings(path, True, keys=keys, lines=lines, **values)


def _check_settings(document: TomlDocument, problems: list[Problem]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in document.data.items():
        if name == "coder":
            if not isinstance(value, str) or not CODER_PATTERN.match(value):
                problems.append(
                    document.problem(
                        name,
                        'must be a coder id in quotes, like coder = "ana": 1-32 lowercase letters, digits, '
                        '"-" or "_", starting with a letter or digit',
                    )
                )
            else:
                values[name] = value
        elif name in ("auto_advance", "suggest"):
            if not isinstance(value, bool):
                problems.append(document.problem(name, "must be true or false (no quotes)"))
            else:
                values[name] = value
        elif name == "theme":
            if not isinstance(value, str) or not value.strip():
                problems.append(document.problem(name, 'must be a Textual theme name in quotes, like theme = "nord"'))
            else:
                values[name] = value.strip()
        elif name != "keys":
            problems.append(
                document.problem(
                    name,
                    "is not a setting; the settings are coder, auto_advance, theme, suggest and [keys] "
                    f"(see {SETTINGS_DOC})",
                )
            )
    return values


def _check_keys(document: TomlDocument, table: object, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        problems.append(document.problem("keys", 'must be a table: [keys], then lines like "turn.next" = "l,down"'))
        return {}
    keys: dict[str, tuple[str, ...]] = {}
    for binding_id, value in table.items():
        parts = tuple(part.strip() for part in value.split(",") if part.strip()) if isinstance(value, str) else ()
        if isinstance(value, dict):
            message = 'binding ids go in quotes, like "turn.next" = "l,down" (not turn.next = ...)'
        elif binding_id not in _DEFAULT_KEYS:
            message = f"no such key binding; the ids are {', '.join(sorted(_DEFAULT_KEYS))}"
        elif not isinstance(value, str):
            message = 'must be keys in quotes, separated by commas, like "l,down"'
        elif not parts:
            message = 'must name at least one key, like "l,down"'
        elif len(set(parts)) != len(parts):
            message = "names a key twice; write each key once"
        else:
            keys[binding_id] = parts
            continue
        line = document.locate_in_table("keys", binding_id)
        problems.append(Problem(document.path, line, f"keys.{binding_id}: {message}"))
    return keys


# --- the effective settings --------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from: one of the five sources, and which option, variable, file or line."""

    source: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.source} ({self.detail})" if self.detail else self.source


@dataclass(frozen=True)
class Setting(Generic[T]):
    value: T
    origin: Origin


@dataclass(frozen=True)
class EffectiveSettings:
    """Every setting as it applies, each with where it came from."""

    coder: Setting[str]
    auto_advance: Setting[bool]
    theme: Setting[str]
    keys: Mapping[str, Setting[tuple[str, ...]]]  # every binding id, in the key table's order
    user: UserSettings

    @property
    def keymap(self) -> dict[str, str]:
        """The bindings whose keys are not the defaults, as Textual's keymap takes them (`id = "k1,k2"`)."""
        return {
            binding_id: ",".join(setting.value)
            for binding_id, setting in self.keys.items()
            if setting.origin.source != DEFAULT
        }

    @property
    def theme_chosen(self) -> str | None:
        """The theme the app must switch to: one the user file chose (Textual applies `TEXTUAL_THEME` itself)."""
        return self.theme.value if self.theme.origin.source == USER_FILE else None


def resolve_coder(
    user: UserSettings, coder: str | None = None, environ: Mapping[str, str] | None = None
) -> Setting[str]:
    """`--coder`, else `PURER_CODER`, else the user file's coder, else the login name."""
    environ = os.environ if environ is None else environ
    if coder is not None:
        return Setting(validate_coder(coder), Origin(COMMAND_LINE, "--coder"))
    if environ.get("PURER_CODER"):
        return Setting(validate_coder(environ["PURER_CODER"]), Origin(ENVIRONMENT, "PURER_CODER"))
    if user.coder is not None:
        return Setting(user.coder, Origin(USER_FILE, user.where("coder")))
    return Setting(default_coder({}), Origin(DEFAULT, "login name"))


def resolve_settings(
    user: UserSettings,
    *,
    coder: str | None = None,
    auto_advance: bool | None = None,
    environ: Mapping[str, str] | None = None,
    study_keymap: Mapping[str, str] | None = None,
    study_path: Path | None = None,
) -> EffectiveSettings:
    """Each setting from the first source that gives it; a user key that clashes with another binding's key
    is an `InvalidFileError` at its line in the user file."""
    environ = os.environ if environ is None else environ
    if auto_advance is not None:
        advance = Setting(auto_advance, Origin(COMMAND_LINE, "--auto-advance" if auto_advance else "--no-auto-advance"))
    elif user.auto_advance is not None:
        advance = Setting(user.auto_advance, Origin(USER_FILE, user.where("auto_advance")))
    else:
        advance = Setting(False, Origin(DEFAULT))
    if environ.get("TEXTUAL_THEME"):
        theme = Setting(environ["TEXTUAL_THEME"], Origin(ENVIRONMENT, "TEXTUAL_THEME"))
    elif user.theme is not None:
        theme = Setting(user.theme, Origin(USER_FILE, user.where("theme")))
    else:
        theme = Setting(DEFAULT_THEME, Origin(DEFAULT))
    study_keys = {
        binding_id: tuple(part.strip() for part in value.split(",") if part.strip())
        for binding_id, value in (study_keymap or {}).items()
    }
    study_origin = Origin(STUDY_FILE, display_path(study_path) if study_path else "")
    keys: dict[str, Setting[tuple[str, ...]]] = {}
    for binding_id, default in _DEFAULT_KEYS.items():
        if binding_id in study_keys:
            keys[binding_id] = Setting(study_keys[binding_id], study_origin)
        elif binding_id in user.keys:
            keys[binding_id] = Setting(user.keys[binding_id], Origin(USER_FILE, user.where(f"keys.{binding_id}")))
        else:
            keys[binding_id] = Setting(default, Origin(DEFAULT))
    settings = EffectiveSettings(resolve_coder(user, coder, environ), advance, theme, keys, user)
    _check_user_keys(settings)
    return settings


def _typed(key: str) -> str:
    """A key as the character it types, where it types one (`question_mark` is `?`)."""
    return NAMED_CHARACTERS.get(key, key)


def _check_user_keys(settings: EffectiveSettings) -> None:
    """A key the user file gives a binding must be no other binding's; tab, space, enter, escape and backspace
    stay with the bindings that have them by default (the codebook can never take them either)."""
    owners: dict[str, list[str]] = {}
    for binding_id, setting in settings.keys.items():
        for key in setting.value:
            owners.setdefault(_typed(key), []).append(binding_id)
    for binding_id, setting in settings.keys.items():
        if setting.origin.source != USER_FILE:
            continue
        for key in setting.value:
            if key in ALWAYS_RESERVED and key not in _DEFAULT_KEYS[binding_id]:
                raise settings.user.error(
                    f"keys.{binding_id}",
                    f'"{key}" is one of the keys the app keeps where they are ({", ".join(ALWAYS_RESERVED)}); '
                    "choose another key",
                )
            others = [other for other in owners[_typed(key)] if other != binding_id]
            if others:
                other = others[0]
                raise settings.user.error(
                    f"keys.{binding_id}",
                    f'"{key}" is already the key of {other} ({settings.keys[other].origin}); '
                    f"choose another key, or remap {other} too",
                )


def check_against_codebook(settings: EffectiveSettings, code_keys: Mapping[str, str]) -> None:
    """A key the user file gives a binding must not be a code's key in this study's codebook (`key` -> code id)."""
    for binding_id, setting in settings.keys.items():
        if setting.origin.source != USER_FILE:
            continue
        for key in setting.value:
            code_id = code_keys.get(_typed(key))
            if code_id is not None:
                raise settings.user.error(
                    f"keys.{binding_id}",
                    f'"{key}" is the key of code {code_id} in this study\'s codebook; choose another key',
                )
