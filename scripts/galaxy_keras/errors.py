"""How a tool ends: either its outputs are complete, or one line on stderr says what to fix."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn


class UserInputError(Exception):
    """A problem with what the user gave the tool; the message names it and says how to fix it."""


class BrokenEnvironmentError(Exception):
    """The tool's software could not start; ``output`` is what it printed, which explains why."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


def first_line(error: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run_tool(task: Callable[[], None], outputs: Iterable[str | os.PathLike[str]]) -> None:
    """Run a tool's task and exit: 0 on success, 1 with a one-line message on stderr otherwise.

    On failure every output file is removed, so that nothing half-written looks like a result. Warnings that
    libraries raise meanwhile are held back: after a success each is one ``Warning:`` line; after a failure only
    the error's line is written, so that it stays the one line a user reads.
    """
    output_paths = [Path(path) for path in outputs]
    with warnings.catch_warnings(record=True) as raised:  # Python's own filters still decide which are raised
        try:
            task()
        except UserInputError as error:
            exit_with_error(str(error), output_paths)
        except BrokenEnvironmentError as error:
            sys.stderr.write(error.output)
            exit_with_error(str(error), output_paths)
        except MemoryError:
            exit_with_error(
                "the job ran out of memory: ask for more memory, or use a smaller batch size or table.", output_paths
            )
        except Exception as error:
            if os.environ.get("GALAXY_KERAS_TRACEBACK"):
                raise
            exit_with_error(
                f"unexpected {type(error).__name__}: {first_line(error)}. Check the inputs; if they are right, "
                "report this to the tool's authors (set GALAXY_KERAS_TRACEBACK=1 to see where it happened).",
                output_paths,
            )
    for message in dict.fromkeys(f"{warning.category.__name__}: {warning.message}" for warning in raised):
        print(f"Warning: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(0)


def exit_with_error(message: str, outputs: Iterable[Path] = ()) -> NoReturn:
    """Remove the outputs, write ``Error: message`` as one line on stderr and exit with status 1."""
    for path in outputs:
        path.unlink(missing_ok=True)
    print(f"Error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(1)
