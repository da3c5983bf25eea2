"""Running the coding app around a prepared session, and always cleaning up after it."""

from __future__ import annotations

import sys

from purer_tui.core.errors import PurerError
from purer_tui.services.coding_setup import PreparedSession
from purer_tui.services.crash_report import crash_message
from purer_tui.tui.app import CodingApp
from purer_tui.tui.shutdown import Cleanup


def run_coding_app(prepared: PreparedSession) -> int:
    """Run the app; fold journals in and release locks however it ends. Returns the exit status."""

    def finish() -> None:
        try:
            prepared.save_position()
            prepared.session.close()
        except (PurerError, OSError) as error:
            # The journal still holds every change; the next `purer-tui code` folds it in.
            print(f"purer-tui: {error} (your changes are kept in the coding journal)", file=sys.stderr)
        finally:
            prepared.locks.release()

    cleanup = Cleanup(finish)
    app = CodingApp.from_prepared(prepared, cleanup)
    try:
        app.run()
    finally:
        cleanup()
    if app.crash_error is not None:
        print(crash_message(app.crash_error, app.crash_report), file=sys.stderr)
    return app.return_code or 0
