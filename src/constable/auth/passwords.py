"""Password hashing with scrypt (memory-hard, in the standard library), and the password policy.

The policy (docs/security.md) follows NIST SP 800-63B rather than composition rules: long
enough, not blank, not one character over and over, and not one of the 30,000 most common
passwords of the zxcvbn project's list (``zxcvbn.frequency_lists``, MIT licence, installed from
PyPI), nor one of them with digits or symbols added at either end, spaces taken out, a few
letters written as digits (``p@ssw0rd``), or repeated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import lru_cache

from constable.errors import ConstableError

# N=2**15, r=8 uses 32 MiB per hash: slow for an attacker, fast enough for a sign-in.
_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024

MIN_LENGTH = 12
"""The shortest password accepted (characters)."""

MAX_LENGTH = 1000
"""The longest: scrypt reads all of a password, and a megabyte of one is work for nothing."""

DUMMY_HASH = (
    "scrypt$32768$8$1$wnXdPIl0di0UCAXLKeUODw==$"
    "AL/cESJBQCiOZ6tvXPWO1tlG+ADYsAUvAULP3xRfncc+k6wWdAYeMk9zKdjGfQtjsUGIaGrl2NcDFpJK9Sw1Nw=="
)
"""The hash of a random password nobody kept, with the same cost as every real one: a sign-in
for a username that does not exist is checked against it, so that it takes as long as one that
does and timing does not tell which usernames exist (a test checks the cost matches)."""


class PasswordError(ConstableError):
    """A password the policy refuses; the message says why and what would do."""


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password``, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def cost(stored: str) -> tuple[int, int, int] | None:
    """The scrypt parameters ``(N, r, p)`` of a stored hash, or None if it is not one."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        return None
    return int(parts[1]), int(parts[2]), int(parts[3])


CURRENT_COST = (_N, _R, _P)
"""The parameters new hashes are made with."""


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(errors="surrogatepass"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=_MAXMEM,
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


def check_password(password: str, *, username: str | None = None) -> None:
    """Raise :class:`PasswordError` unless ``password`` meets the policy (module docstring)."""
    if not password.strip():
        raise PasswordError("password: enter a password; it cannot be blank or only spaces")
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            f"password: it must be at least {MIN_LENGTH} characters long (it has "
            f"{len(password)}); a few words in a row make a long one that is easy to remember"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"password: it must be at most {MAX_LENGTH} characters long")
    if len(set(password)) == 1:
        raise PasswordError("password: it cannot be one character repeated")
    unit = _repeated_unit(re.sub(r"\s+", "", password.lower()))
    if unit is not None and len(unit) <= 4:
        raise PasswordError("password: it cannot be a few characters repeated")
    if username is not None and password.strip().lower() == username.lower():
        raise PasswordError("password: it cannot be the username")
    if is_common(password):
        raise PasswordError(
            "password: it is one of the most common passwords, or one with a little added: "
            "choose another, such as a few unrelated words"
        )


_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "3": "e", "$": "s", "5": "s"})
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def is_common(password: str) -> bool:
    """Whether ``password`` is one of the common passwords, with a little added (see above)."""
    common = _common_passwords()
    lowered = password.lower()
    squeezed = re.sub(r"\s+", "", lowered)
    forms = {lowered, squeezed}
    forms |= {_ENDS.sub("", form) for form in list(forms)}
    forms |= {form.translate(_LEET) for form in list(forms)}
    forms |= {form.replace("1", "l") for form in list(forms)}
    for form in forms - {""}:
        if form in common:
            return True
        unit = _repeated_unit(form)
        if unit is not None and unit in common:  # "passwordpassword", "monkey monkey monkey"
            return True
    return False


def _repeated_unit(text: str) -> str | None:
    """The shortest ``unit`` with ``text == unit * k`` for some k >= 2, or None."""
    doubled = (text + text).find(text, 1)
    return text[:doubled] if doubled < len(text) else None


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # Loaded on first use: the lists are 5 MB of strings, needed only when a password is set.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"])
