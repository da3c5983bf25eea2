"""`purer-tui config`: the settings that apply, and where each came from. Never imports Textual."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import main
from purer_tui.core.errors import PurerError, UsageError, display_path
from purer_tui.core.safe_text import one_line

if TYPE_CHECKING:
    from purer_tui.core.study import Study
    from purer_tui.core.user_settings import UserSettings


@main.command()
@click.argument("study", required=False, type=click.Path(path_type=Path))
@click.option("--coder", help="Show the settings as `code --coder C` would use them.")
@click.option(
    "--auto-advance/--no-auto-advance",
    "auto_advance",
    default=None,
    help="Show the settings as `code` would use them with this option.",
)
def config(study: Path | None, coder: str | None, auto_advance: bool | None) -> None:
    """Print the settings `purer-tui code` would use, and where each came from.

    The sources, first wins: command line, environment (PURER_CODER,
    TEXTUAL_THEME), the study file's [keys], your settings file
    ($XDG_CONFIG_HOME/purer-tui/config.toml, else ~/.config/purer-tui/config.toml),
    the defaults. `suggest` says whether the app shows suggested codes to
    this coder in this study, and why. STUDY (default: the study around the current folder, if any)
    gives the study's [keys]; its codebook's keys are checked against yours.
    A mistake in your settings file is one line naming the file and line (exit 1).

    \b
    Example:
      purer-tui config
      purer-tui config purer-demo --coder ana
    """
    from purer_tui.core.study import load_study
    from purer_tui.core.user_settings import check_against_codebook, load_user_settings, resolve_settings

    user = load_user_settings()
    found: Study | None = None
    try:
        found = load_study(study or Path("."))
    except UsageError:
        if study is not None:
            raise  # a study named and not there is a mistake; none around the current folder is not
    settings = resolve_settings(
        user,
        coder=coder,
        auto_advance=auto_advance,
        study_keymap=found.keymap if found else None,
        study_path=found.path if found else None,
    )
    codebook_note = ""
    if found is not None:
        try:
            codebook = found.load_codebook()
        except PurerError:
            codebook_note = " (its codebook has problems: purer-tui check says which; your keys were not checked)"
        else:
            check_against_codebook(settings, {key: code.id for key, code in codebook.code_for_key().items()})
    where = display_path(user.path)
    click.echo(f"settings file: {one_line(where)}" + ("" if user.found else " (none: nothing set there)"))
    click.echo(
        f"study file:    {one_line(display_path(found.path))}{codebook_note}"
        if found
        else "study file:    none here (name a study folder to include its [keys])"
    )
    rows = [
        ("coder", settings.coder.value, str(settings.coder.origin)),
        ("auto_advance", "true" if settings.auto_advance.value else "false", str(settings.auto_advance.origin)),
        ("theme", settings.theme.value, str(settings.theme.origin)),
        _suggest_row(found, user, settings.coder.value),
    ]
    rows += [
        (f"keys.{binding_id}", ", ".join(setting.value), str(setting.origin))
        for binding_id, setting in settings.keys.items()
    ]
    name_width = max(len(name) for name, _, _ in rows)
    value_width = min(24, max(len(value) for _, value, _ in rows))
    click.echo("")
    click.echo(f"{'setting'.ljust(name_width)}  {'value'.ljust(value_width)}  from")
    for name, value, origin in rows:
        click.echo(f"{name.ljust(name_width)}  {one_line(value).ljust(value_width)}  {one_line(origin)}")


def _suggest_row(study: Study | None, user: UserSettings, coder: str) -> tuple[str, str, str]:
    """Whether the app shows the model's suggested codes to this coder in this study, and why."""
    from purer_tui.core.user_settings import USER_FILE

    if study is not None:
        from purer_tui.services.suggestions import suggestions_enabled

        on, why = suggestions_enabled(study, user, coder)
        return "suggest", "on" if on else "off", why
    if user.suggest is not None:
        return (
            "suggest",
            "true" if user.suggest else "false",
            f"{USER_FILE} ({user.where('suggest')}; when adjudicating)",
        )
    return "suggest", "false", "default"
