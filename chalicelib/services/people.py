"""Who an account may show: its own person and the dependants it cares for.

:meth:`PeopleService.person_for` is the ONE ownership check: every route that
takes a ``person`` (``/v1/code``, ``.svg``, ``.png``, ``/v1/pass``, ``/v1/tests``,
``/v1/people/{id}/printed-code``, and any later one, such as check-ins) resolves
it here, so a person can be reached only while the care link stands.

The model (docs/people.md): a person is one item (found by the keyed hash of the
ID number) with one colour whoever shows it. The account whose own person it is
is its ``owner_user_id`` with relation ``self``; guardians reach it through care
links (user → person, many-to-many: an elder may be held by two of their children
and by their own account). A person only guardians hold has relation
``dependant`` and the first guardian as owner (the owner's phone then feeds no
itinerary rule: stays are the phone's, not the elder's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.health import AuditEvent, Person, StoredColour
from chalicelib.domain.people import CareLink
from chalicelib.domain.session import SessionClaims
from chalicelib.services.ports import Audit, Colours, People


def self_person_id(user_id: str) -> str:
    from chalicelib.services.declarations import self_person_id as derived

    return derived(user_id)


class CareLinks(Protocol):
    def for_user(self, user_id: str) -> list[CareLink]: ...

    def get(self, user_id: str, person_id: str) -> CareLink | None: ...

    def holders(self, person_id: str) -> list[str]: ...

    def add(self, link: CareLink) -> CareLink: ...

    def remove(self, user_id: str, person_id: str) -> bool: ...


@dataclass(frozen=True)
class PersonEntry:
    person: Person
    relation: str  # self, or the relation the caller declared
    stored: StoredColour | None


def person_not_found() -> NotFound:
    return NotFound("no such person on this account", field="person", code="person_not_found")


@dataclass
class PeopleService:
    people: People
    links: CareLinks
    colours: Colours
    audit: Audit
    clock: Callable[[], datetime]

    def self_of(self, user_id: str) -> Person | None:
        """The account's own person: one GetItem on the derived id, else (a person moved
        to this account by an identity dispute) the owner index."""
        person = self.people.get(self_person_id(user_id))
        if person is not None and person.owner_user_id == user_id and person.relation == "self":
            return person
        return self.people.self_of(user_id)

    def person_for(self, user_id: str, person_id: str | None = None) -> Person:
        """The person ``user_id`` may act for: their own (``person_id`` None, or their own
        id), or a dependant while the care link stands.

        Raises NotFound ``no_code`` (no own person yet: declare first) or
        ``person_not_found`` (field ``person``: no such person *on this account*; a
        person of someone else's is indistinguishable from one that does not exist).
        """
        if person_id is None:
            own = self.self_of(user_id)
            if own is None:
                raise NotFound("no code yet: declare first", code="no_code")
            return own
        if self.links.get(user_id, person_id) is None:
            own = self.self_of(user_id)
            if own is not None and own.person_id == person_id:
                return own
            raise person_not_found()
        person = self.people.get(person_id)
        if person is None:
            raise person_not_found()
        return person

    def listing(self, claims: SessionClaims) -> list[PersonEntry]:
        """Self first, then the dependants in the order they were added, each with the
        colour everyone who shows them sees."""
        entries = []
        own = self.self_of(claims.subject)
        if own is not None:
            entries.append(PersonEntry(own, "self", self.colours.get(own.person_id)))
        links = sorted(self.links.for_user(claims.subject), key=lambda link: link.created_at)
        for link in links:
            person = self.people.get(link.person_id)
            if person is not None:
                entries.append(
                    PersonEntry(person, link.relation, self.colours.get(person.person_id))
                )
        return entries

    def unlink(self, claims: SessionClaims, person_id: str) -> CareLink:
        """End a care link: the account stops seeing the dependant at once. The person and
        their colour stay (others may hold them; status marks and results join on them),
        under the people and colours retention rules."""
        link = self.links.get(claims.subject, person_id)
        if link is None:
            own = self.self_of(claims.subject)
            if own is not None and own.person_id == person_id:
                raise Conflict(
                    "this is the account's own person, not a care link",
                    field="person",
                    code="own_person",
                )
            raise NotFound("no such person on this account", code="person_not_found")
        self.links.remove(claims.subject, person_id)
        self.audit.append(
            AuditEvent(
                subject_id=person_id,
                actor=claims.subject,
                actor_role=claims.role.value,
                action="care_link_ended",
                at=self.clock(),
                reason="guardian",
                before={"relation": link.relation},
            )
        )
        return link
