"""`purer-tui codebook show`: the codebook as a printable coding manual, for the screen or as Markdown.

A nested codebook keeps its tree: each group is headed by its place ("Curriculum › Interdisciplinary");
in Markdown a group with no codes of its own still gets its heading (and description) when groups under
it have codes, and a code under codes is one heading level deeper with the codes it sits under named;
on screen it is indented under them. A flat codebook reads as it always did.
"""

from __future__ import annotations

from purer_tui.core.codebook import Codebook, CodeGroup
from purer_tui.core.codebook_outline import SEPARATOR, code_ancestors, heading_trail, place_labels
from purer_tui.core.safe_text import markdown_literal, visible_controls

#: Levels of nesting the printed manual indents a code by; deeper codes line up with this level.
INDENT_LEVELS = 6


def shown_groups(codebook: Codebook) -> list[CodeGroup]:
    """The groups the manual heads: those with codes, and those with groups under them that have codes."""
    with_codes = {group.id for group in codebook.groups if codebook.codes_in(group.id)}
    shown = set(with_codes)
    for group_id in with_codes:
        shown.update(group.id for group in codebook.group_path(group_id))
    return [group for group in codebook.groups if group.id in shown]


def manual_markdown(codebook: Codebook) -> str:
    lines = [f"# {markdown_literal(codebook.info.name)}", ""]
    if codebook.info.description:
        lines += [markdown_literal(" ".join(codebook.info.description.split())), ""]
    lines += [f"Version {markdown_literal(codebook.info.version)}.", ""]
    for group in shown_groups(codebook):
        codes = codebook.codes_in(group.id)
        rule = " One code of this group per turn at most." if codes and group.exclusive else ""
        roles = f" Applies to {', '.join(group.roles)} turns." if group.roles else ""
        lines += [f"## {markdown_literal(SEPARATOR.join(heading_trail(codebook, group.id)))}", ""]
        if group.description or rule or roles:
            lines += [(markdown_literal(" ".join(group.description.split())) + rule + roles).strip(), ""]
        for code in codes:
            key = f"`{code.key}` " if code.key else ""
            above = code_ancestors(codebook, code)
            level = "#" * min(3 + len(above), 6)  # a code under codes one level deeper, as far as Markdown goes
            lines += [f"{level} {key}{markdown_literal(code.label)} (`{code.id}`)", ""]
            if above:
                under = SEPARATOR.join(place_labels([parent.label for parent in above]))
                lines += [f"Under {markdown_literal(under)}.", ""]
            lines += [markdown_literal(" ".join(code.definition.split())), ""]
            if code.include:
                lines += [f"**Include:** {markdown_literal(' '.join(code.include.split()))}", ""]
            if code.exclude:
                lines += [f"**Exclude:** {markdown_literal(' '.join(code.exclude.split()))}", ""]
            if code.examples:
                lines += (
                    ["**Examples:**", ""]
                    + [f"- “{markdown_literal(' '.join(e.split()))}”" for e in code.examples]
                    + [""]
                )
    return "\n".join(lines).rstrip() + "\n"


def print_manual(codebook: Codebook) -> None:
    from rich.console import Console
    from rich.text import Text

    out = Console()

    def say(text: str, style: str = "", indent: int = 0) -> None:
        out.print(Text(" " * indent + visible_controls(" ".join(text.split())), style=style))

    say(codebook.info.name, "bold underline")
    if codebook.info.description:
        say(codebook.info.description, "dim")
    for group in codebook.groups:  # on screen each heading names its place: no heading without codes
        codes = codebook.codes_in(group.id)
        if not codes:
            continue
        out.print()
        heading = (
            group.label
            + ("  (one per turn at most)" if group.exclusive else "")
            + (f"  [{', '.join(group.roles)}]" if group.roles else "")
        )
        trail = heading_trail(codebook, group.id)
        above = "".join(visible_controls(" ".join(label.split())) + SEPARATOR for label in trail[:-1])
        out.print(Text.assemble((above, "dim"), (visible_controls(" ".join(heading.split())), "bold")))
        for code in codes:
            indent = 2 * min(codebook.code_depth(code.id), INDENT_LEVELS)
            out.print(
                Text.assemble(
                    (" " * (2 + indent), ""),
                    ("■ ", code.color or "dim"),
                    (f"{code.key or '·'}  ", "bold cyan"),
                    (visible_controls(code.label), "bold"),
                    (f"  ({code.id})", "dim"),
                )
            )
            say(code.definition, indent=6 + indent)
            if code.include:
                say("include: " + code.include, "green", indent=6 + indent)
            if code.exclude:
                say("exclude: " + code.exclude, "red", indent=6 + indent)
            for example in code.examples:
                say(f"e.g. “{example}”", "italic dim", indent=6 + indent)
