"""`purer-tui codebook show`: the codebook as a printable coding manual, for the screen or as Markdown."""

from __future__ import annotations

from purer_tui.core.codebook import Codebook
from purer_tui.core.safe_text import markdown_literal, visible_controls


def manual_markdown(codebook: Codebook) -> str:
    lines = [f"# {markdown_literal(codebook.info.name)}", ""]
    if codebook.info.description:
        lines += [markdown_literal(" ".join(codebook.info.description.split())), ""]
    lines += [f"Version {markdown_literal(codebook.info.version)}.", ""]
    for group in codebook.groups:
        codes = codebook.codes_in(group.id)
        if not codes:
            continue
        rule = " One code of this group per turn at most." if group.exclusive else ""
        roles = f" Applies to {', '.join(group.roles)} turns." if group.roles else ""
        lines += [f"## {markdown_literal(group.label)}", ""]
        if group.description or rule or roles:
            lines += [(markdown_literal(" ".join(group.description.split())) + rule + roles).strip(), ""]
        for code in codes:
            key = f"`{code.key}` " if code.key else ""
            lines += [f"### {key}{markdown_literal(code.label)} (`{code.id}`)", ""]
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
    for group in codebook.groups:
        codes = codebook.codes_in(group.id)
        if not codes:
            continue
        out.print()
        say(
            group.label
            + ("  (one per turn at most)" if group.exclusive else "")
            + (f"  [{', '.join(group.roles)}]" if group.roles else ""),
            "bold",
        )
        for code in codes:
            out.print(
                Text.assemble(
                    ("  ", ""),
                    ("■ ", code.color or "dim"),
                    (f"{code.key or '·'}  ", "bold cyan"),
                    (visible_controls(code.label), "bold"),
                    (f"  ({code.id})", "dim"),
                )
            )
            say(code.definition, indent=6)
            if code.include:
                say("include: " + code.include, "green", indent=6)
            if code.exclude:
                say("exclude: " + code.exclude, "red", indent=6)
            for example in code.examples:
                say(f"e.g. “{example}”", "italic dim", indent=6)
