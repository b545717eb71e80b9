"""A real Galaxy server from PyPI, started by this project's own files, for tests and the IMDB main job.

- ``toolsenv``: the tools' own Python environment (TensorFlow cannot share Galaxy's) and the
  ``galaxy_packages`` dependency folder that points Galaxy's jobs at it.
- ``server``: writes a Galaxy configuration and runs ``galaxy-web`` for as long as a ``with`` block lasts.
- ``__main__``: the commands tox runs (``python -m localgalaxy --help``).
"""
