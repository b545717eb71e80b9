"""The memory a Galaxy job has, and refusing work that needs more before any of it is allocated.

Galaxy sets ``GALAXY_MEMORY_MB`` where its administrator gave the job's destination a memory size; elsewhere the
tools assume DEFAULT_MEMORY_MB. Without such a check, work too large for the job ends in an out-of-memory kill, or in
an error deep inside a library, instead of one line that says what to make smaller.
"""

from __future__ import annotations

import math
import os

from galaxy_keras.errors import UserInputError

DEFAULT_MEMORY_MB = 8192


def job_memory_mb() -> tuple[int, str]:
    """The memory the job may use, in MB, and where that number comes from (for messages)."""
    value = os.environ.get("GALAXY_MEMORY_MB")
    if value is None:
        return DEFAULT_MEMORY_MB, "the tools' default where Galaxy does not set GALAXY_MEMORY_MB"
    if not value.strip().isdigit() or int(value) < 1:
        raise UserInputError(
            f"GALAXY_MEMORY_MB is '{value}', not a number of megabytes: ask the Galaxy administrator to fix the job "
            "setup."
        )
    return int(value), "GALAXY_MEMORY_MB"


def check_fits(needed: int, doing: str, culprit: str, fix: str) -> None:
    """Refuse ``doing`` when it needs more than the job's memory: ``needed`` bytes, mostly for ``culprit`` (a clause
    that follows a semicolon, or empty); ``fix`` says what to make smaller."""
    available_mb, source = job_memory_mb()
    if needed > available_mb << 20:
        because = f"; {culprit}" if culprit else ""
        raise UserInputError(
            f"{doing} needs at least {megabytes(needed)} of memory, but the job has {available_mb:,} MB "
            f"({source}){because}: {fix}, or ask for more memory."
        )


def megabytes(size: int) -> str:
    return f"{math.ceil(size / (1 << 20)):,} MB"
