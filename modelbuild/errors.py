"""The build's one exception: a failure with a message meant for the person running it."""


class ExportError(Exception):
    """Printed as `error: <message>` by `python -m modelbuild.export`, never as a traceback."""
