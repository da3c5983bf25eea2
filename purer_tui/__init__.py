"""purer-tui: keyboard-driven qualitative coding of therapy-session transcripts."""

__version__ = "0.1.0"
