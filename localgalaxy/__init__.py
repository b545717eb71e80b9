"""Real Galaxy, Tool Shed and Pulsar servers from PyPI, started by this project's own files, for the tests and the
IMDB main job.

- ``repository``: what the repository's files say: the tools' files, ids and versions, the Tool Shed repository.
- ``workflow_tools``: keeps the workflows' Tool Shed ids at the tools' versions (``python -m localgalaxy
  workflow-tools``).
- ``environments``: the Galaxy, Pulsar and tools' Python environments, each installed once per checkout, and the
  ``galaxy_packages`` dependency folder that points Galaxy's jobs at the tools' environment.
- ``server``: writes a Galaxy configuration and runs ``galaxy-web`` for as long as a ``with`` block lasts.
- ``testing``: planemo test against that Galaxy, and the ``N passed, N failed`` counts.
- ``toolshed``: publishes the repository to a Tool Shed and installs it into a fresh Galaxy.
- ``pulsar``: runs the tool tests with their jobs sent to a Pulsar server.
- ``imdb``, ``ui``: the main job and the browser test.
- ``__main__``: the commands tox runs (``python -m localgalaxy --help``).
"""
