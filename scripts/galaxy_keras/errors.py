"""How a tool ends: either its outputs are complete, or one line on stderr says what to fix."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path


class UserInputError(Exception):
    """A problem with what the user gave the tool; the message names it and says how to fix it."""


def run_tool(task: Callable[[], None], outputs: Iterable[str | os.PathLike[str]]) -> None:
    """Run a tool's task and exit: 0 on success, 1 with a one-line message on stderr otherwise.

    On failure every output file is removed, so that nothing half-written looks like a result.
    """
    output_paths = [Path(path) for path in outputs]
    try:
        task()
    except UserInputError as error:
        _fail(str(error), output_paths)
    except MemoryError:
        _fail("the job ran out of memory: ask for more memory, or use a smaller batch size or table.", output_paths)
    except Exception as error:
        if os.environ.get("GALAXY_KERAS_TRACEBACK"):
            raise
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "no details"
        _fail(
            f"unexpected {type(error).__name__}: {reason}. Check the inputs; if they are right, report this "
            "to the tool's authors (set GALAXY_KERAS_TRACEBACK=1 to see where it happened).",
            output_paths,
        )
    sys.exit(0)


def _fail(message: str, outputs: list[Path]) -> None:
    for path in outputs:
        path.unlink(missing_ok=True)
    one_line = " ".join(message.split())
    print(f"Error: {one_line}", file=sys.stderr)
    sys.exit(1)
