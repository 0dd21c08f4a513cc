"""Users and tokens: create, check a password, issue and revoke tokens, disable, list."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from constable.auth.models import ApiToken, User
from constable.auth.passwords import (
    DUMMY_HASH,
    MAX_LENGTH,
    PasswordError,
    check_password,
    hash_password,
    verify_password,
)
from constable.auth.roles import DISTRICT_ROLES, Action, Role, allowed
from constable.errors import ConstableError
from constable.force.models import District
from constable.store import audit
from constable.store.audit import AuditEntry
from constable.store.base import utcnow

TOKEN_HOURS = 12.0
"""The default lifetime of a token (``CONSTABLE_TOKEN_HOURS``): one shift and a bit."""

USERNAME = re.compile(r"[A-Za-z0-9._@-]{2,100}")
"""What a username may be."""

SIGN_IN = "auth.sign_in"
SIGN_IN_FAILED = "auth.sign_in_failed"
SIGN_OUT = "auth.sign_out"
"""The audit log's actions for signing in and out (docs/security.md)."""


class UserError(ConstableError):
    """A user that cannot be created or changed as asked."""


class NoSuchUserError(UserError):
    """A username nobody has."""

    status = 404


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
    if not USERNAME.fullmatch(username):
        raise UserError(
            f"username {username!r} must be 2 to 100 letters, digits, dots, dashes or @"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"a user called {username!r} already exists")
    _check(password, username)
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


def _check(password: str, username: str) -> None:
    try:
        check_password(password, username=username)
    except PasswordError as exc:
        raise UserError(str(exc)) from exc


@dataclass(frozen=True)
class Checked:
    """What a password check found: the user, if the password is theirs and they may sign in;
    else why not (for the audit log only: the person signing in is told no more than "not
    right")."""

    user_id: int | None
    username: str
    reason: str | None = None


@dataclass(frozen=True)
class Account:
    """What a sign-in needs to know of a user (read before the slow password check)."""

    user_id: int
    username: str
    password_hash: str
    active: bool


def account_for_sign_in(*, session: Session, username: str) -> Account | None:
    """The account ``username`` names, if any (one indexed read)."""
    if not USERNAME.fullmatch(username):  # cannot be anyone's (nor reach the database)
        return None
    row = session.execute(
        select(User.id, User.username, User.password_hash, User.active).where(
            User.username == username
        )
    ).first()
    return None if row is None else Account(*row)


def check_sign_in(*, account: Account | None, username: str, password: str) -> Checked:
    """Whether ``password`` is that of ``account`` and it may sign in: one scrypt check whether
    or not the account exists or is disabled (against
    :data:`~constable.auth.passwords.DUMMY_HASH` when ``username`` names nobody), so that timing
    does not tell usernames apart. Slow on purpose, and touches no database: run it with no
    session open and no lock held."""
    stored = account.password_hash if account is not None else DUMMY_HASH
    # An overlong password is checked as an empty one: the same work, never a match.
    right = verify_password(password if len(password) <= MAX_LENGTH else "", stored)
    if account is None:
        return Checked(None, username, "no such user")
    if len(password) > MAX_LENGTH or not right:
        return Checked(account.user_id, account.username, "wrong password")
    if not account.active:
        return Checked(account.user_id, account.username, "disabled")
    return Checked(account.user_id, account.username)


def _as_typed(text: str) -> str:
    """What someone typed, safe to keep: no control characters (PostgreSQL refuses NUL) or
    lone surrogates, and at most 100 characters."""
    cleaned = re.sub(r"[\x00-\x1f\x7f]", "?", text[:100])
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def record_sign_in(
    *, session: Session, checked: Checked, address: str, via: str, hours: float = TOKEN_HOURS
) -> tuple[str, dt.datetime] | None:
    """After :func:`check_sign_in` found the right password: a token, and the sign-in in the
    audit log; None if the user was disabled in the meantime. The short write of a sign-in."""
    user = session.get(User, checked.user_id) if checked.user_id is not None else None
    if user is None or not user.active:
        return None
    token, expires = issue_token(session=session, user=user, hours=hours)
    audit.record(
        session,
        actor=user.username,
        action=SIGN_IN,
        entity="user",
        entity_id=user.id,
        after={"address": address, "via": via, "expires_at": expires.isoformat()},
    )
    return token, expires


def record_failed_sign_in(
    *, session: Session, checked: Checked, address: str, via: str, wait_seconds: float
) -> None:
    """A refused password in the audit log: the username as typed, the address, why (the
    password never), and how long that username or address must now wait, if at all."""
    after: dict[str, object] = {
        "username": _as_typed(checked.username),
        "address": address,
        "via": via,
        "reason": checked.reason or "wrong password",
    }
    if wait_seconds > 0:
        after["wait_seconds"] = round(wait_seconds)
    audit.record(
        session,
        actor=_as_typed(checked.username) if checked.user_id is not None else "unknown",
        action=SIGN_IN_FAILED,
        entity="user",
        entity_id=checked.user_id,
        after=after,
    )


def sign_out(*, session: Session, token: str, address: str, via: str) -> Principal | None:
    """The token stops working; the sign-out is in the audit log. Who it was, if anyone."""
    principal = principal_for_token(session=session, token=token)
    revoke_token(session=session, token=token)
    if principal is not None:
        audit.record(
            session,
            actor=principal.username,
            action=SIGN_OUT,
            entity="user",
            entity_id=principal.user_id,
            after={"address": address, "via": via},
        )
    return principal


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    *, session: Session, user: User, hours: float = TOKEN_HOURS
) -> tuple[str, dt.datetime]:
    """A new bearer token for ``user``, valid for ``hours``, and when it expires."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(hours=hours)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < now))
    session.add(
        ApiToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=expires)
    )
    return token, expires


def revoke_token(*, session: Session, token: str) -> None:
    """Sign out: the token stops working."""
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def get_user_or_raise(*, session: Session, username: str) -> User:
    """The user with this username, or :class:`NoSuchUserError`."""
    user = get_user(session=session, username=username) if USERNAME.fullmatch(username) else None
    if user is None:
        raise NoSuchUserError(f"no user called {username!r}: see `constable users list`")
    return user


def _revoke_all(session: Session, user: User) -> int:
    result = session.execute(
        delete(ApiToken)
        .where(ApiToken.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_tokens(*, session: Session, username: str, actor: str) -> int:
    """Every token of ``username`` stops working at once (signed out everywhere); how many."""
    user = get_user_or_raise(session=session, username=username)
    count = _revoke_all(session, user)
    audit.record(
        session,
        actor=actor,
        action="user.revoke_tokens",
        entity="user",
        entity_id=user.id,
        after={"username": user.username, "tokens_revoked": count},
    )
    return count


def set_active(*, session: Session, username: str, active: bool, actor: str) -> User:
    """Enable or disable ``username``. A disabled user cannot sign in, and their tokens stop
    working at once (they are deleted, and a token is checked against the user's state)."""
    user = get_user_or_raise(session=session, username=username)
    before = user.active
    user.active = active
    count = 0 if active else _revoke_all(session, user)
    audit.record(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        entity="user",
        entity_id=user.id,
        before={"username": user.username, "active": before},
        after={"username": user.username, "active": active, "tokens_revoked": count},
    )
    return user


def set_password(*, session: Session, username: str, password: str, actor: str) -> User:
    """A new password for ``username`` (the policy applies); their tokens stop working, so a
    password changed because it leaked shuts out whoever used it."""
    user = get_user_or_raise(session=session, username=username)
    _check(password, user.username)
    user.password_hash = hash_password(password)
    count = _revoke_all(session, user)
    audit.record(
        session,
        actor=actor,
        action="user.set_password",
        entity="user",
        entity_id=user.id,
        # Never the password nor its hash: only that it changed.
        after={"username": user.username, "tokens_revoked": count},
    )
    return user


@dataclass(frozen=True)
class UserRow:
    """A user as ``constable users list`` shows them."""

    username: str
    role: str
    district: str | None
    active: bool
    last_sign_in: dt.datetime | None


def list_users(*, session: Session) -> list[UserRow]:
    """Every user by name, with their last sign-in as the audit log recorded it (if it did)."""
    last = dict(
        session.execute(
            select(AuditEntry.entity_id, func.max(AuditEntry.at))
            .where(AuditEntry.action == SIGN_IN, AuditEntry.entity == "user")
            .group_by(AuditEntry.entity_id)
        ).all()
    )
    rows = session.execute(
        select(User.id, User.username, User.role, District.slug, User.active)
        .outerjoin(District, District.id == User.district_id)
        .order_by(User.username)
    ).all()
    return [
        UserRow(username, role, slug, active, last.get(str(user_id)))
        for user_id, username, role, slug, active in rows
    ]


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
