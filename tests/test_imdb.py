"""The main job's progress lines put each Galaxy job's output on that job's own clock."""

from __future__ import annotations

from localgalaxy.imdb import JobClocks, progress_line


def test_a_job_clock_starts_when_the_job_is_first_seen_running_and_keeps_that_start() -> None:
    clocks = JobClocks()
    clocks.see("train", "queued", now=10.0)
    assert clocks.seconds("train", now=12.0) is None  # not running yet: no clock
    clocks.see("train", "running", now=15.0)
    clocks.see("train", "running", now=20.0)
    clocks.see("train", "ok", now=60.0)
    assert clocks.seconds("train", now=60.0) == 45.0
    clocks.see("predict", "ok", now=61.0)  # ended between two polls: its clock starts when it is seen
    assert clocks.seconds("predict", now=61.0) == 0.0
    assert clocks.seconds(None, now=61.0) is None  # a step without a job


def test_a_progress_line_shows_the_job_seconds_beside_the_workflow_seconds() -> None:
    epoch = progress_line(312.4, 41.6, "Train: 196/196 - 40s - acc: 0.79")
    assert epoch == "[imdb]     312 s  job    42 s  Train: 196/196 - 40s - acc: 0.79"
    waiting = progress_line(5.0, None, "Train                          queued")
    assert waiting.index("Train") == epoch.index("Train")  # the text lines up, with or without a job clock
