"""The Textual coding app. Imported only by `purer-tui code` (and `demo`), never by other commands."""
