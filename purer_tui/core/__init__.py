"""The domain of purer-tui: transcripts, codebooks, annotations and studies.

Plain Python and pydantic only. Nothing here imports textual or rich, so the
command line, reports and exports start fast and can be used without a
terminal; a test enforces this in a fresh interpreter.
"""
