"""The base of every error a user can cause: the CLI prints these as one line and exits 1."""


class ConstableError(Exception):
    """Something the user asked for cannot be done; the message says what and where."""
