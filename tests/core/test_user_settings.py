"""The user's settings file: where it is, what it may say, and which source wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from purer_tui.core.errors import InvalidFileError, UsageError
from purer_tui.core.user_settings import (
    MAX_SETTINGS_BYTES,
    UserSettings,
    check_against_codebook,
    config_path,
    load_user_settings,
    resolve_settings,
)
from tests.conftest import write


def settings_file(tmp_path: Path, text: str) -> UserSettings:
    return load_user_settings(write(tmp_path / "config.toml", text))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(InvalidFileError) as caught:
        resolve_settings(settings_file(tmp_path, text), environ={})
    return str(caught.value)


def test_the_file_is_under_xdg_config_home_else_under_home(tmp_path: Path) -> None:
    assert config_path({"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/h"}) == Path("/x/cfg/purer-tui/config.toml")
    assert config_path({"HOME": "/h"}) == Path("/h/.config/purer-tui/config.toml")
    # The XDG specification: an empty or relative XDG_CONFIG_HOME is ignored.
    assert config_path({"XDG_CONFIG_HOME": "", "HOME": "/h"}) == Path("/h/.config/purer-tui/config.toml")
    assert config_path({"XDG_CONFIG_HOME": "rel", "HOME": "/h"}) == Path("/h/.config/purer-tui/config.toml")


def test_tests_never_read_the_users_own_file() -> None:
    assert config_path().is_relative_to(Path(os.environ["HOME"]))
    assert "pytest" in str(config_path())  # a temporary home, from tests/conftest.py


def test_no_file_is_no_settings(tmp_path: Path) -> None:
    user = load_user_settings(tmp_path / "none.toml")
    assert not user.found
    settings = resolve_settings(user, environ={})
    assert settings.auto_advance.value is False and str(settings.auto_advance.origin) == "default"
    assert settings.theme.value == "textual-dark" and settings.theme_chosen is None
    assert settings.keymap == {}
    assert settings.coder.origin.source == "default" and settings.coder.origin.detail == "login name"


def test_every_setting_read_with_its_line(tmp_path: Path) -> None:
    user = settings_file(
        tmp_path, 'coder = "ana"\nauto_advance = true\ntheme = "nord"\n\n[keys]\n"turn.flag" = "x, F"\n'
    )
    settings = resolve_settings(user, environ={})
    assert (settings.coder.value, settings.auto_advance.value, settings.theme_chosen) == ("ana", True, "nord")
    assert settings.keymap == {"turn.flag": "x,F"}
    assert str(settings.auto_advance.origin).endswith("config.toml:2)")
    assert str(settings.keys["turn.flag"].origin).endswith("config.toml:6)")
    assert str(settings.keys["turn.next"].origin) == "default"


def test_precedence_command_line_then_environment_then_study_then_user_file(tmp_path: Path) -> None:
    user = settings_file(
        tmp_path, 'coder = "ana"\nauto_advance = true\ntheme = "nord"\n[keys]\n"turn.flag" = "x"\n"turn.goto" = "Z"\n'
    )
    study = tmp_path / "purer.toml"
    settings = resolve_settings(
        user,
        coder="cal",
        auto_advance=False,
        environ={"PURER_CODER": "ben", "TEXTUAL_THEME": "gruvbox"},
        study_keymap={"turn.flag": "X"},
        study_path=study,
    )
    assert (settings.coder.value, str(settings.coder.origin)) == ("cal", "command line (--coder)")
    assert (settings.auto_advance.value, str(settings.auto_advance.origin)) == (
        False,
        "command line (--no-auto-advance)",
    )
    assert (settings.theme.value, settings.theme.origin.source) == ("gruvbox", "environment")
    assert settings.theme_chosen is None  # Textual applies TEXTUAL_THEME itself
    assert settings.keys["turn.flag"].value == ("X",) and settings.keys["turn.flag"].origin.source == "study file"
    assert settings.keys["turn.goto"].value == ("Z",) and settings.keys["turn.goto"].origin.source == "user file"
    without_option = resolve_settings(user, environ={"PURER_CODER": "ben"})
    assert (without_option.coder.value, str(without_option.coder.origin)) == ("ben", "environment (PURER_CODER)")
    assert resolve_settings(user, environ={}).coder.value == "ana"


def test_a_bad_coder_on_the_command_line_or_in_the_environment_is_a_usage_error(tmp_path: Path) -> None:
    user = load_user_settings(tmp_path / "none.toml")
    with pytest.raises(UsageError):
        resolve_settings(user, coder="Not Valid", environ={})
    with pytest.raises(UsageError):
        resolve_settings(user, environ={"PURER_CODER": "../etc"})


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('coder = "ana"\nauto_advance = "yes"\n', 2, "auto_advance: must be true or false"),
        ('coder = "Ana Lee"\n', 1, "coder: must be a coder id"),
        ('theme = ""\n', 1, "theme: must be a Textual theme name"),
        (
            "\ncolour = 1\n",
            2,
            "colour: is not a setting; the settings are coder, auto_advance, theme, suggest and [keys]",
        ),
        ("coder = \n", 1, "TOML syntax error"),
        ('[keys]\n"turn.flg" = "x"\n', 2, "keys.turn.flg: no such key binding; the ids are"),
        ('[keys]\nturn.flag = "x"\n', 2, 'binding ids go in quotes, like "turn.next"'),
        ('[keys]\n"turn.flag" = 7\n', 2, "keys.turn.flag: must be keys in quotes"),
        ('[keys]\n"turn.flag" = " , "\n', 2, "must name at least one key"),
        ('keys = "x"\n', 1, "keys: must be a table"),
        ('[keys]\n"turn.flag" = "j"\n', 2, '"j" is already the key of turn.next (default); choose another key'),
        ('[keys]\n"turn.next" = "!"\n', 2, '"!" is already the key of turn.flag (default)'),
        ('[keys]\n\n"turn.flag" = "x"\n"turn.goto" = "x"\n', 3, '"x" is already the key of turn.goto (user file'),
        ('[keys]\n"turn.flag" = "tab"\n', 2, '"tab" is one of the keys the app keeps'),
        ('[keys]\n"turn.flag" = "question_mark"\n', 2, "already the key of app.help"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_line_and_fix(tmp_path: Path, text: str, line: int, words: str) -> None:
    message = error_of(tmp_path, text)
    assert "\n" not in message and message.startswith(f"{tmp_path / 'config.toml'}:{line}: ")
    assert words in message


def test_the_users_keys_may_move_among_themselves(tmp_path: Path) -> None:
    user = settings_file(tmp_path, '[keys]\n"turn.next" = "l,down"\n"turn.flag" = "j"\n"code.pick" = "space,P"\n')
    assert resolve_settings(user, environ={}).keymap == {
        "turn.next": "l,down",
        "turn.flag": "j",
        "code.pick": "space,P",
    }


def test_a_study_key_wins_and_a_user_key_may_not_take_it(tmp_path: Path) -> None:
    user = settings_file(tmp_path, '[keys]\n"turn.flag" = "x"\n')
    with pytest.raises(InvalidFileError, match=r"config.toml:2: .*already the key of turn.goto \(study file"):
        resolve_settings(user, environ={}, study_keymap={"turn.goto": "x"}, study_path=tmp_path / "purer.toml")


def test_a_user_key_may_not_be_a_code_key(tmp_path: Path) -> None:
    settings = resolve_settings(settings_file(tmp_path, '[keys]\n"turn.flag" = "p"\n'), environ={})
    with pytest.raises(InvalidFileError, match=r'config.toml:2: keys.turn.flag: "p" is the key of code phen'):
        check_against_codebook(settings, {"p": "phenomenology"})
    check_against_codebook(settings, {"q": "other"})  # no clash: no error


def test_a_file_too_large_or_not_a_file_is_refused(tmp_path: Path) -> None:
    big = write(tmp_path / "config.toml", "# x\n" * (MAX_SETTINGS_BYTES // 4 + 1))
    with pytest.raises(InvalidFileError, match="over 64 KiB are refused"):
        load_user_settings(big)
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(InvalidFileError, match="is a folder"):
        load_user_settings(tmp_path / "folder.toml")


def test_a_linked_file_is_read(tmp_path: Path) -> None:
    """Dotfiles managers link the file from elsewhere: it is the user's own, so the link is followed."""
    real = write(tmp_path / "dotfiles" / "purer.toml", "auto_advance = true\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    assert load_user_settings(link).auto_advance is True
