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

from chalicelib.colours.model import StoredColour
from chalicelib.colours.ports import Colours
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.kernel.person import Person
from chalicelib.kernel.session import SessionClaims
from chalicelib.people.ports import CareLinks, CareRequests, People
from chalicelib.people.rules import MAX_DEPENDANTS, CareLink, CareRequest, self_person_id


@dataclass(frozen=True)
class CareRequestEntry:
    request: CareRequest
    requester_name_masked: str | None  # the guardian's own person, when they declared one


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
    care_requests: CareRequests | None = None

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

    # -- consent: the person's own account answers a guardian's request ---------------

    def requests_for(self, claims: SessionClaims) -> list[CareRequestEntry]:
        """Requests to care for the caller's own person, oldest first."""
        own = self.self_of(claims.subject)
        if own is None or self.care_requests is None:
            return []
        now = self.clock()
        entries = []
        for request in self.care_requests.pending_for(own.person_id):
            if request.lapsed(now):
                continue
            entries.append(self._entry(request))
        return entries

    def _entry(self, request: CareRequest) -> CareRequestEntry:
        guardian = self.self_of(request.guardian_user_id)
        return CareRequestEntry(request, guardian.name_masked if guardian else None)

    def answer(self, claims: SessionClaims, request_id: str, decision: str) -> CareRequestEntry:
        """Accept (the guardian now holds the caller's person, with one colour whoever
        shows it) or refuse. Only the person's own account answers; any other request
        id is 404, whether it exists or not."""
        missing = NotFound("no such care request", code="care_request_not_found")
        own = self.self_of(claims.subject)
        request = self.care_requests.get(request_id) if self.care_requests else None
        now = self.clock()
        if own is None or request is None or request.person_id != own.person_id:
            raise missing
        if request.lapsed(now):
            raise missing
        assert self.care_requests is not None
        if decision == "accept" and request.state == "pending":
            held = self.links.for_user(request.guardian_user_id)
            if len(held) >= MAX_DEPENDANTS:
                raise Conflict(
                    f"the requester already cares for {MAX_DEPENDANTS} people",
                    code="too_many_dependants",
                )
        state = "accepted" if decision == "accept" else "refused"
        decided = self.care_requests.decide(request_id, state=state, now=now)
        if state == "accepted":
            self.links.add(CareLink(request.guardian_user_id, own.person_id, request.relation, now))
        self.audit.append(
            AuditEvent(
                subject_id=own.person_id,
                actor=claims.subject,
                actor_role=claims.role.value,
                action="care_link_added" if state == "accepted" else "care_request_refused",
                at=now,
                reason="consent",
                after={
                    "request": request_id,
                    "relation": request.relation,
                    "guardian": request.guardian_user_id,
                },
            )
        )
        return self._entry(decided)
