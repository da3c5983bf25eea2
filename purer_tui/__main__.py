"""`python -m purer_tui` runs the command line."""

from purer_tui.cli import main

if __name__ == "__main__":
    main()
