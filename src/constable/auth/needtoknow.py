"""Need to know: which roles see which personal details, and in which districts.

Every role reads the force's records (a district's records are everyone's work); the personal
details in them are shown only to the roles whose work needs them, and district roles only in
their own district. Everywhere else the field is ``null`` in the API and left out of the pages.
This table is the one place that decides (docs/security.md prints it):

==================  ============  ==========  ==================  ================  =======  =====
detail              call handler  dispatcher  district commander  community safety  analyst  admin
==================  ============  ==========  ==================  ================  =======  =====
caller              force         force       own district        —                 —        force
victim              force         force       own district        own district      —        force
subject             force         force       own district        own district      —        force
informant           —             —           own district        own district      —        force
==================  ============  ==========  ==================  ================  =======  =====

- **caller**: who called and their phone number (the control room calls back; a commander
  may need to in their district).
- **victim**: a victim's name, date of birth, address, postcode and how to reach them (the
  control room records crimes; victim care is a district's Community Safety Unit's work).
- **subject**: the person an ASB case or a crime names (suspect, perpetrator).
- **informant**: who sent information in reply to a community alert (their e-mail) and what
  they wrote, which may say who they are.

Analysts work on counts, places and times: they see no personal detail anywhere.

>>> from constable.auth.service import Principal
>>> analyst = Principal(user_id=1, username="ana", role=Role.ANALYST, district_id=None,
...                     district_slug=None)
>>> may_see(analyst, Personal.VICTIM, district_id=3)
False
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from constable.auth.roles import Role

if TYPE_CHECKING:
    from constable.auth.service import Principal


class Personal(StrEnum):
    """A kind of personal detail."""

    CALLER = "caller"
    VICTIM = "victim"
    SUBJECT = "subject"
    INFORMANT = "informant"


Reach = Literal["force", "own district"]
FORCE: Reach = "force"
OWN: Reach = "own district"

MATRIX: dict[Personal, dict[Role, Reach]] = {
    Personal.CALLER: {
        Role.CALL_HANDLER: FORCE,
        Role.DISPATCHER: FORCE,
        Role.DISTRICT_COMMANDER: OWN,
        Role.ADMINISTRATOR: FORCE,
    },
    Personal.VICTIM: {
        Role.CALL_HANDLER: FORCE,
        Role.DISPATCHER: FORCE,
        Role.DISTRICT_COMMANDER: OWN,
        Role.COMMUNITY_SAFETY: OWN,
        Role.ADMINISTRATOR: FORCE,
    },
    Personal.SUBJECT: {
        Role.CALL_HANDLER: FORCE,
        Role.DISPATCHER: FORCE,
        Role.DISTRICT_COMMANDER: OWN,
        Role.COMMUNITY_SAFETY: OWN,
        Role.ADMINISTRATOR: FORCE,
    },
    Personal.INFORMANT: {
        Role.DISTRICT_COMMANDER: OWN,
        Role.COMMUNITY_SAFETY: OWN,
        Role.ADMINISTRATOR: FORCE,
    },
}


def may_see(
    principal: Principal,
    kind: Personal,
    *,
    district_id: int | None = None,
    district_slug: str | None = None,
) -> bool:
    """Whether ``principal`` sees ``kind`` of detail on a record of a district (by id or slug;
    neither: a record of no district, which only force-wide roles see)."""
    reach = MATRIX[kind].get(principal.role)
    if reach is None:
        return False
    if reach == FORCE:
        return True
    if district_id is not None:
        return district_id == principal.district_id
    return district_slug is not None and district_slug == principal.district_slug


def sees_any(principal: Principal, kind: Personal) -> bool:
    """Whether ``principal`` sees ``kind`` of detail anywhere (a page's column, say)."""
    return principal.role in MATRIX[kind]


def seen(principal: Principal, kind: Personal, district_id: int | None, value: object) -> object:
    """``value`` if ``principal`` may see it, else None."""
    return value if may_see(principal, kind, district_id=district_id) else None
