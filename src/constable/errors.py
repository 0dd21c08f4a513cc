"""The base of every error a user can cause: the CLI prints these as one line and exits 1."""


class ConstableError(Exception):
    """Something the user asked for cannot be done; the message says what and where.

    ``status`` is the HTTP status the API answers with: 422 for input that cannot be used
    unless a subclass says otherwise (404 for something that does not exist, 409 for a
    conflict with the current state).
    """

    status: int = 422
