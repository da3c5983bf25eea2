"""Otter.ai, WebVTT and SRT transcripts, and telling the shapes apart."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.transcript import parse_transcript


def turns_of(text: str, name: str):
    transcript = parse_transcript(text, Path(name))
    return transcript.format, [(t.speaker, t.text, t.start) for t in transcript.turns]


OTTER = """\
Therapist  0:03
Let's come back from the practice.

Participant 1  0:15
It was hard.

My leg hurt the whole time.

Unknown Speaker  1:02:07
Sorry I'm late.

Transcribed by https://otter.ai
"""


def test_otter_blocks_with_paragraphs_and_footer() -> None:
    form, turns = turns_of(OTTER, "s1.txt")
    assert form == "otter"
    assert turns == [
        ("Therapist", "Let's come back from the practice.", 3.0),
        ("Participant 1", "It was hard.\n\nMy leg hurt the whole time.", 15.0),
        ("Unknown Speaker", "Sorry I'm late.", 3727.0),
    ]


def test_otter_line_numbers_point_at_the_header() -> None:
    transcript = parse_transcript(OTTER, Path("s1.txt"))
    assert [t.line for t in transcript.turns] == [1, 4, 9]


VTT = """\
WEBVTT
Kind: captions

NOTE this block is a comment
and spans lines

STYLE
::cue { color: yellow }

1
00:00:01.000 --> 00:00:04.000 align:start
<v Therapist>What did you notice?</v>

2
00:00:05.000 --> 00:00:07.500
<v.loud Participant 1>My back</v>

3
00:00:07.600 --> 00:00:09.000
<v Participant 1>felt <i>tight</i> &amp; warm.</v>

00:10.000 --> 00:12.000
no voice, continues the turn

4
00:00:13.000 --> 00:00:15.000
Therapist: Thank you.
"""


def test_webvtt_voice_tags_prefixes_and_merged_cues() -> None:
    form, turns = turns_of(VTT, "s.vtt")
    assert form == "vtt"
    assert turns == [
        ("Therapist", "What did you notice?", 1.0),
        ("Participant 1", "My back felt tight & warm. no voice, continues the turn", 5.0),
        ("Therapist", "Thank you.", 13.0),
    ]


def test_webvtt_is_detected_without_the_ending() -> None:
    assert turns_of("\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\n<v A>Hi</v>\n", "s.txt")[0] == "vtt"


SRT = """\
1
00:00:01,000 --> 00:00:03,000
Therapist: Welcome back.

2
00:00:03,500 --> 00:00:06,250
Participant 2: I practised
every day.

3
00:00:06,300 --> 00:00:08,000
- Therapist: Wonderful.
"""


def test_srt_with_name_prefixes() -> None:
    form, turns = turns_of(SRT, "s.srt")
    assert form == "srt"
    assert turns == [
        ("Therapist", "Welcome back.", 1.0),
        ("Participant 2", "I practised every day.", 3.5),
        ("Therapist", "Wonderful.", 6.3),
    ]


def test_srt_is_detected_from_its_shape() -> None:
    assert turns_of(SRT, "export.txt")[0] == "srt"


def test_caption_cues_without_any_speaker_make_one_unnamed_turn() -> None:
    _, turns = turns_of("WEBVTT\n\n00:01.000 --> 00:02.000\nhello\n\n00:02.000 --> 00:03.000\nworld\n", "a.vtt")
    assert turns == [("", "hello world", 1.0)]


def test_plain_transcripts_with_a_name_and_time_line_are_not_otter() -> None:
    form, _ = turns_of("Therapist: hi\nParticipant 1: yes\nTherapist: ok  0:03\nParticipant 1: fine\n", "a.txt")
    assert form == "plain"
