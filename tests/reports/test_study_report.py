"""`purer-tui report --html`: the study report's structure, figures, privacy and safety."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from purer_tui.core.study import load_study
from purer_tui.core.transcript import load_transcript
from tests.conftest import cli, snapshot, write

SECTIONS = ["glance", "progression", "moves", "frequencies", "agreement", "codebook"]


class Page(HTMLParser):
    """The parts of the page the tests read: section ids in order, tags seen, attributes, text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.banner = ""
        self._in_banner = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag == "section":
            self.sections.append(found.get("id") or "")
        if "banner" in (found.get("class") or ""):
            self._in_banner = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_banner = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_banner:
            self.banner += data


def make_report(study: Path, target: Path, *extra: str) -> tuple[str, Page]:
    status, out, err = cli("report", str(study), "--html", str(target), "--boot", "200", *extra)
    assert status == 0, err
    markup = target.read_text(encoding="utf-8")
    return out, Page(markup)


def turn_texts(study: Path) -> list[str]:
    """Every turn's text in the study's transcripts, whitespace collapsed."""
    loaded = load_study(study)
    return [" ".join(turn.text.split()) for path in loaded.transcript_paths() for turn in load_transcript(path).turns]


def test_the_demo_report_has_every_section_in_order_and_no_transcript_text(demo_study: Path, tmp_path: Path) -> None:
    out, page = make_report(demo_study, tmp_path / "report.html")
    markup = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.sections == SECTIONS
    assert "Wrote" in out and "no transcript text" in out
    assert not page.banner
    shown = " ".join(" ".join(page.text).split())
    texts = turn_texts(demo_study)
    assert len(texts) > 30
    for turn in texts:
        # any run of eight words of a turn would be transcript text
        words = turn.split()
        for start in range(0, max(1, len(words) - 7)):
            assert " ".join(words[start : start + 8]) not in shown, turn
    assert markup.count("<svg") == 3  # the group's progression, the moves, the agreement per code


def test_the_page_fetches_nothing_and_runs_nothing(demo_study: Path, tmp_path: Path) -> None:
    _, page = make_report(demo_study, tmp_path / "report.html", "--with-quotes", "stage-4")
    markup = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "script" not in page.tags and "iframe" not in page.tags and "img" not in page.tags
    assert not any(name.startswith("on") for _, name, _ in page.attributes)
    for tag, name, value in page.attributes:
        if name in ("href", "src", "xlink:href", "action"):
            assert value.startswith("#"), (tag, name, value)  # links inside the page only
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/)", markup)
    policy = next(
        value for tag, name, value in page.attributes if tag == "meta" and name == "content" and "src" in value
    )
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_quotes_come_only_when_asked_for_and_the_banner_says_so(demo_study: Path, tmp_path: Path) -> None:
    out, page = make_report(demo_study, tmp_path / "quoted.html", "--with-quotes", "stage-4,reframing")
    assert "with transcript text" in out
    assert page.sections == [*SECTIONS[:-1], "quotes", "codebook"]
    assert "contains transcript text" in page.banner and "stage-4" in page.banner
    markup = (tmp_path / "quoted.html").read_text(encoding="utf-8")
    assert markup.index("banner") < markup.index("<h1>")  # at the top
    status, found, _ = cli("quotes", "stage-4", "reframing", "--study", str(demo_study), "--json")
    quoted = json.loads(found)["quotes"]
    assert quoted
    shown = " ".join(" ".join(page.text).split())
    for quote in quoted:
        assert " ".join(quote["text"].split()) in shown


def test_the_agreement_figures_are_agree_ci_s(demo_study: Path, tmp_path: Path) -> None:
    _, page = make_report(demo_study, tmp_path / "report.html", "--seed", "5")
    status, out, _ = cli("agree", str(demo_study), "--ci", "--boot", "200", "--seed", "5", "--json")
    assert status == 0
    expected = json.loads(out)
    shown = " ".join(" ".join(page.text).split())
    for item in expected["codes"]:
        if item["alpha"]["value"] is None:
            continue
        interval = item["alpha_ci"]
        cell = f"{item['label']} {item['alpha']['value']:.3f} " + (
            f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "n/a"
        )
        assert cell in shown, cell
    low, high = expected["overall"]["masi_alpha_ci"]
    assert f"{expected['overall']['masi_alpha']['value']:.3f} [{low:.3f}, {high:.3f}]" in shown
    assert "--boot 200 --seed 5" in shown


def test_the_progression_grid_is_progress_s(demo_study: Path, tmp_path: Path) -> None:
    _, page = make_report(demo_study, tmp_path / "report.html")
    status, out, _ = cli("progress", str(demo_study), "--json")
    grid = json.loads(out)
    markup = (tmp_path / "report.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(Participant [^<]*)</td>(.*?)</tr>", markup)
    assert [case for case, _ in rows] == [case["case"] for case in grid["cases"]]
    for (case, cells), expected in zip(rows, grid["cases"], strict=True):
        bold = re.findall(r"<td class='cell'[^>]*>(?:.*?<span class='furthest'>([^<]*)</span>)?</td>", cells)
        furthest = [expected["furthest"][column] for column in grid["columns"]]
        assert [name or None for name in bold] == [f.removeprefix("stage-") if f else None for f in furthest], case


def test_one_coder_gets_no_agreement_section_but_says_why(tmp_path: Path, demo_study: Path) -> None:
    for extra in (demo_study / "transcripts").glob("*.ben.jsonl"):
        extra.unlink()
    _, page = make_report(demo_study, tmp_path / "report.html")
    shown = " ".join(page.text)
    assert "Agreement needs two coders" in shown and "only ana has coded" in shown


def test_untrusted_names_are_shown_as_text(tmp_path: Path) -> None:
    study = tmp_path / "s"
    hostile = "<img src=x onerror=alert(1)>\x1b[2J"
    write(study / "purer.toml", '[study]\nname = "<script>x</script>"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(
        study / "c.toml",
        '[codebook]\nname = "c"\n[groups.g]\nlabel = "</style><b>g\\u001b[2J"\nexclusive = true\n'
        f'[codes.a]\nlabel = "{hostile.replace(chr(27), "")}"\ngroup = "g"\nkey = "a"\ncolor = "#ff0000"\n'
        'definition = "<i>d</i>"\n[codes.b]\nlabel = "b"\ngroup = "g"\nkey = "b"\ndefinition = "d"\n',
    )
    write(study / "t.txt", f"{hostile}: one\nOther: two\n")
    write(study / "t.ana.jsonl", '{"anchor":"","codes":["a"],"turn":1}\n')
    _, page = make_report(study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "\x1b" not in markup and "␛[2J" in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup


def test_bad_requests_are_refused_in_one_line_and_write_nothing(demo_study: Path, tmp_path: Path) -> None:
    before = snapshot(demo_study)
    status, _, err = cli("report", str(demo_study), "--html", str(tmp_path / "r.html"), "--with-quotes", "nope")
    assert status == 2 and 'no code "nope"' in err and len(err.strip().splitlines()) == 1
    status, _, err = cli("report", str(demo_study))
    assert status == 2 and "--html" in err
    status, _, err = cli("report", str(demo_study), "--html", str(tmp_path / "r.html"), "--stages", "nope")
    assert status == 2 and 'no code group "nope"' in err
    assert not (tmp_path / "r.html").exists() and snapshot(demo_study) == before


def test_the_codebook_s_examples_come_only_when_asked_for(demo_study: Path, tmp_path: Path) -> None:
    """A codebook's examples are often quotes from the transcripts (the demo's are close to its turns)."""
    example = "That is a real insight, thank you for sharing it."
    out, page = make_report(demo_study, tmp_path / "without.html")
    assert example not in " ".join(page.text) and "--with-examples" in " ".join(page.text)
    out, page = make_report(demo_study, tmp_path / "with.html", "--with-examples")
    assert example in " ".join(page.text) and "with transcript text (the codebook's examples)" in out
    assert "contains transcript text" in page.banner and "codebook's examples" in page.banner


@pytest.mark.parametrize("extra", [(), ("--coder", "ben")])
def test_the_coverage_table_counts_every_coder_s_reviewed_turns(
    demo_study: Path, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    from purer_tui.core.annotations import AnnotationFile

    _, page = make_report(demo_study, tmp_path / "report.html", *extra)
    markup = (tmp_path / "report.html").read_text(encoding="utf-8")
    for coder in ("ana", "ben"):
        reviewed = sum(
            sum(1 for record in AnnotationFile.open(path).records.values() if record.reviewed)
            for path in (demo_study / "transcripts").glob(f"*.{coder}.jsonl")
        )
        assert re.search(rf"<tr><td>{coder}</td><td class='number'>\d+</td><td class='number'>{reviewed}</td>", markup)


GROUPS_CODEBOOK = """[codebook]
name = "c"
[groups.moves]
label = "Moves"
roles = ["staff"]
[groups.stage]
label = "Stage"
exclusive = true
roles = ["participant"]
[codes.ask]
label = "Ask"
group = "moves"
definition = "d"
[codes.s1]
label = "1 early"
group = "stage"
color = "#d75f5f"
definition = "d"
[codes.s2]
label = "2 later"
group = "stage"
color = "#5fafaf"
definition = "d"
"""


def two_group_study(folder: Path, group_two_staged: bool = True, pattern: bool = True) -> Path:
    """Two therapy groups of two sessions each: in each session the therapist asks (turn 1), P2 then P10 reply."""
    metadata = "metadata_pattern = 'grp(?P<group>\\d+)-s(?P<session>\\d+)'\n" if pattern else ""
    write(
        folder / "purer.toml",
        f'[study]\nname = "g"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n{metadata}'
        '[roles]\nstaff = ["T"]\nparticipant = ["P*"]\n',
    )
    write(folder / "c.toml", GROUPS_CODEBOOK)
    for group in (1, 2):
        for session in (1, 2):
            name = f"grp{group}-s0{session}"
            write(folder / f"{name}.txt", "T: how was it\nP2: fine\nP10: hard\n")
            stage = "s2" if session == 2 else "s1"
            codes = [stage] if group == 1 or group_two_staged else []
            records = [{"turn": 1, "codes": ["ask"]}] + [{"turn": n, "codes": codes} for n in (2, 3)]
            lines = [json.dumps({"anchor": "", **record}) for record in records]
            write(folder / f"{name}.ana.jsonl", "\n".join(lines) + "\n")
    return folder


def test_several_therapy_groups_are_kept_apart(tmp_path: Path) -> None:
    study = two_group_study(tmp_path / "g", group_two_staged=False)
    _, page = make_report(study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(P[^<]*)</td>", markup)
    assert rows == ["P2 (group 1)", "P10 (group 1)", "P2 (group 2)", "P10 (group 2)"]  # by group, then 2 before 10
    assert markup.count('class="pygal-chart"') == 1 + 2  # group 1's stages; the moves of each group
    assert ">Group 1: Moves, moves per session<" in markup and ">Group 2: Moves, moves per session<" in markup
    shown = " ".join(" ".join(page.text).split())
    assert "Group 2: no participant has a stage coded yet." in shown
    assert "participants 4 ... with a stage coded 2" in shown
    assert "sessions 4 therapy groups 2" in shown  # two meetings of each of two groups


def test_without_sessions_a_participant_s_points_are_not_joined(tmp_path: Path) -> None:
    study = two_group_study(tmp_path / "g", pattern=False)
    _, page = make_report(study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'class="line reactive nofill"' not in markup.split("id='moves'")[0]
    assert "points are not joined" in " ".join(page.text)


def test_a_three_digit_colour_is_written_out_and_anything_else_is_left_out(demo_study: Path, tmp_path: Path) -> None:
    codebook = demo_study / "codebooks" / "purer.toml"
    text = codebook.read_text(encoding="utf-8")
    codebook.write_text(text.replace('color = "#d75f5f"', 'color = "#abc"', 1), encoding="utf-8")
    _, page = make_report(demo_study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "background:#aabbcc" in markup
    status, _, err = cli("progress", str(demo_study), "--html", str(tmp_path / "p.html"))
    assert status == 0, err
    from purer_tui.reports.html_page import coloured, css_colour

    assert css_colour("#abcdef\n") is None and coloured("#abcdef\n") == "" and coloured(None) == ""
    assert coloured("#FFFFFF") == "background:#ffffff;color:#000"


def test_a_study_with_no_transcripts_gets_a_report_that_says_so(tmp_path: Path) -> None:
    study = tmp_path / "s"
    write(study / "purer.toml", '[study]\nname = "s"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(study / "c.toml", GROUPS_CODEBOOK)
    _, page = make_report(study, tmp_path / "r.html")
    assert "The study has no transcripts yet." in " ".join(page.text)
    status, _, err = cli("agree", str(study))
    assert status == 2 and "the study has no transcripts yet" in err


def test_progress_svg_is_one_well_formed_file_of_every_chart(demo_study: Path, tmp_path: Path) -> None:
    from xml.dom import minidom

    status, _, err = cli("progress", str(demo_study), "--svg", str(tmp_path / "p.svg"))
    assert status == 0, err
    document = minidom.parse(str(tmp_path / "p.svg"))  # a repeated attribute would not parse
    charts = document.documentElement.getElementsByTagName("svg")
    assert len(charts) == 2  # the group's stages, the moves
    assert [chart.getAttribute("y") for chart in charts] == ["0", charts[0].getAttribute("height")]


def test_each_group_s_moves_are_counted_apart_everywhere(tmp_path: Path) -> None:
    study = two_group_study(tmp_path / "g")
    (study / "grp2-s02.txt").unlink()  # group 2 has no second session
    (study / "grp2-s02.ana.jsonl").unlink()
    (study / "grp2-s01.ana.jsonl").write_text(  # reviewed, and no move coded
        "".join(f'{{"anchor":"","codes":[],"turn":{n}}}\n' for n in (1, 2, 3)), encoding="utf-8"
    )
    status, out, _ = cli("progress", str(study), "--json")
    grid = json.loads(out)
    assert grid["moves"]["session 1"] == {"ask": 1}  # all groups together, as before
    assert grid["moves_by_group"] == {"1": {"session 1": {"ask": 1}, "session 2": {"ask": 1}}, "2": {"session 1": {}}}
    readable = subprocess.run(
        [sys.executable, "-m", "purer_tui", "progress", str(study)], capture_output=True, text=True, timeout=60
    ).stdout
    assert "Moves (counts, group 1)" in readable and "Moves (counts, group 2)" in readable
    _, page = make_report(study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    shown = " ".join(" ".join(page.text).split())
    assert "Group 2: no move coded yet." in shown
    assert re.search(r"<tr><td>P2 \(group 2\)</td><td class='cell'[^>]*>.*?</td><td class='cell absent'>–</td>", markup)
    assert "–: the participant's group has no such session." in shown


def test_large_groups_and_many_moves_stay_readable(tmp_path: Path) -> None:
    """Twenty participants are drawn in two charts of at most 16 lines; 14 moves stack as 11 and "3 other moves"."""
    study = tmp_path / "big"
    moves = "".join(f'[codes.m{n}]\nlabel = "Move {n}"\ngroup = "moves"\ndefinition = "d"\n' for n in range(14))
    write(
        study / "purer.toml",
        '[study]\nname = "b"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n'
        "metadata_pattern = 'grp(?P<group>\\d+)-s(?P<session>\\d+)'\n"
        '[roles]\nstaff = ["T"]\nparticipant = ["P*"]\n',
    )
    write(study / "c.toml", GROUPS_CODEBOOK + moves)
    lines = [line for n in range(1, 21) for line in (f"T: question {n}", f"P{n}: answer")]
    write(study / "grp1-s01.txt", "\n".join(lines) + "\n")
    records = []
    for turn in range(1, 41):
        codes = [f"m{(turn // 2) % 14}"] if turn % 2 else ["s1"]
        records.append(json.dumps({"anchor": "", "codes": codes, "turn": turn}))
    write(study / "grp1-s01.ana.jsonl", "\n".join(records) + "\n")
    _, page = make_report(study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert ">Group 1 (1 of 2): Stage, the furthest in each session<" in markup
    assert ">Group 1 (2 of 2): Stage, the furthest in each session<" in markup
    assert ">3 other moves<" in markup


def test_the_agreement_chart_draws_at_most_its_bars_and_says_so(
    demo_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from purer_tui.reports import study_report

    monkeypatch.setattr(study_report, "MAX_BARS", 3)
    _, page = make_report(demo_study, tmp_path / "r.html")
    markup = (tmp_path / "r.html").read_text(encoding="utf-8")
    chart = markup.split('id="chart-agreement"')[1].split("</svg>")[0]
    assert chart.count('class="rect reactive tooltip-trigger"') == 3
    assert "so are the 6 codes after the first 3, which the table lists" in " ".join(" ".join(page.text).split())
