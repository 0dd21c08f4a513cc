"""Users and tokens: create, sign in, check."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from constable.auth.models import ApiToken, User
from constable.auth.passwords import hash_password, verify_password
from constable.auth.roles import DISTRICT_ROLES, Action, Role, allowed
from constable.errors import ConstableError
from constable.force.models import District
from constable.store import audit
from constable.store.base import utcnow

TOKEN_HOURS = 12  # one shift and a bit: a token outlives no more than a working day
MIN_PASSWORD = 10


class UserError(ConstableError):
    """A user that cannot be created or changed as asked."""


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and what they may do."""

    user_id: int
    username: str
    role: Role
    district_id: int | None
    district_slug: str | None

    def can(self, action: Action, *, district_id: int | None = None) -> bool:
        """Whether they may do ``action`` (on a record of ``district_id``, when given)."""
        if not allowed(self.role, action):
            return False
        if self.role in DISTRICT_ROLES and action is not Action.READ:
            return district_id is not None and district_id == self.district_id
        return True


def get_user(*, session: Session, username: str) -> User | None:
    """The user with this username."""
    return session.scalar(select(User).where(User.username == username))


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role,
    district: District | None = None,
    actor: str = "system",
) -> User:
    """A new user; district commanders and community safety staff have a district, no one else."""
    if not re.fullmatch(r"[A-Za-z0-9._@-]{2,100}", username):
        raise UserError(
            f"username {username!r} must be 2 to 100 letters, digits, dots, dashes or @"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"a user called {username!r} already exists")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters long")
    words = role.value.replace("_", " ")
    if role in DISTRICT_ROLES and district is None:
        raise UserError(f"a {words} user needs --district")
    if role not in DISTRICT_ROLES and district is not None:
        raise UserError(
            f"only district commanders and community safety staff have a district, not a {words}"
        )
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        district_id=district.id if district is not None else None,
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after={"username": username, "role": role.value, "district": district and district.slug},
    )
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        # Same work either way, so timing does not tell which usernames exist.
        verify_password(password, hash_password("x" * MIN_PASSWORD))
        return None
    return user if verify_password(password, user.password_hash) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, session: Session, user: User) -> tuple[str, dt.datetime]:
    """A new bearer token for ``user`` and when it expires."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(hours=TOKEN_HOURS)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < now))
    session.add(
        ApiToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=expires)
    )
    return token, expires


def revoke_token(*, session: Session, token: str) -> None:
    """Sign out: the token stops working."""
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


# Built once, and columns rather than the user: every request of the API asks it.
_HOLDER = (
    select(
        User.id,
        User.username,
        User.role,
        User.district_id,
        User.active,
        ApiToken.expires_at,
        District.slug,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(District, District.id == User.district_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def principal_for_token(*, session: Session, token: str) -> Principal | None:
    """Who holds this token, if it is valid and unexpired."""
    row = session.execute(_HOLDER, {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    user_id, username, role, district_id, active, expires_at, slug = row
    if not active or expires_at <= utcnow():
        return None
    return Principal(
        user_id=user_id,
        username=username,
        role=Role(role),
        district_id=district_id,
        district_slug=slug,
    )
