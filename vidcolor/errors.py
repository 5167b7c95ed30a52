"""User-facing errors.

Anything a user can cause (a missing file, a bad option, a corrupt video, untrusted weights) is
raised as :class:`VidcolorError`; the CLI prints it as one ``Error: …`` line and exits non-zero.
Everything else is a bug and keeps its traceback under ``--debug``.
"""


class VidcolorError(Exception):
    """An error caused by user input, reported without a traceback."""
