"""Errors as HTTP answers, shared by every router."""

from __future__ import annotations

import re

from fastapi import HTTPException
from sqlalchemy.orm import Session

from constable.errors import ConstableError
from constable.force import service as force_service
from constable.force.models import Force


def sentence(text: str) -> str:
    """``no force 'x' in the store`` → ``No force 'x' in the store``; a message that starts with
    the field it is about (``ended_at: ...``) keeps the field's name as it is spelt."""
    text = text.strip()
    if re.match(r"[a-z_][a-z0-9_.\[\]]*:", text):
        return text
    return text[:1].upper() + text[1:]


def http_error(exc: ConstableError) -> HTTPException:
    """The answer for a user's mistake: its ``status`` and its message as a sentence."""
    return HTTPException(status_code=exc.status, detail=sentence(str(exc)))


def force_or_503(session: Session, code: str) -> Force:
    """The force the app serves; 503 when it has not been built into the store yet."""
    try:
        return force_service.get_or_raise(session=session, code=code)
    except force_service.NotFoundError as exc:
        raise HTTPException(status_code=503, detail=sentence(str(exc))) from exc
