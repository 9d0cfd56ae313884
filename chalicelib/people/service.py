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
from datetime import date, datetime

from chalicelib.colours.model import StoredColour
from chalicelib.colours.ports import Colours
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.kernel.events import PersonMoved
from chalicelib.kernel.person import Person
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import local_day
from chalicelib.people import policy
from chalicelib.people.policy import Act, Basis
from chalicelib.people.ports import CareLinks, CareRequests, People
from chalicelib.people.rules import (
    MAX_DEPENDANTS,
    CareLink,
    CareRequest,
    care_link_id,
    care_request_id,
    self_person_id,
)


@dataclass(frozen=True)
class CareRequestEntry:
    request: CareRequest
    requester_name_masked: str | None  # the guardian's own person, when they declared one


@dataclass(frozen=True)
class CarerEntry:
    """One account that may act for the caller's own person, as the person sees it."""

    link_id: str
    link: CareLink
    basis: Basis
    may: tuple[str, ...]
    carer_name_masked: str | None  # the carer's own person, when they declared one
    may_end: bool


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

    def person_for(
        self,
        user_id: str,
        person_id: str | None = None,
        act: Act = Act.READ,
        role: Role = Role.CITIZEN,
    ) -> Person:
        """The person ``user_id`` may ``act`` on, as the one authority
        (``people/policy.py``) decides: their own (``person_id`` None, or their own id),
        a dependant while a link they or their guardians agreed to stands, or anyone in
        a staff role's scope.

        Raises NotFound ``no_code`` (no own person yet: declare first) or
        ``person_not_found`` (field ``person``: no such person *for this caller*; a
        person of someone else's is indistinguishable from one that does not exist).
        """
        if person_id is None and role == Role.CITIZEN:
            own = self.self_of(user_id)
            if own is None:
                raise NotFound("no code yet: declare first", code="no_code")
            return own
        if person_id is None:
            raise person_not_found()
        person = self.people.get(person_id)
        if person is None:
            raise person_not_found()
        link = self.links.get(user_id, person_id) if role == Role.CITIZEN else None
        if not policy.decide(user_id, role, act, person, link, self._today()).allowed:
            raise person_not_found()
        return person

    def _today(self) -> date:
        return local_day(self.clock())

    def listing(self, claims: SessionClaims) -> list[PersonEntry]:
        """Self first, then the dependants in the order they were added, each with the
        colour everyone who shows them sees."""
        entries = []
        own = self.self_of(claims.subject)
        if own is not None:
            entries.append(PersonEntry(own, "self", self.colours.get(own.person_id)))
        links = sorted(self.links.for_user(claims.subject), key=lambda link: link.created_at)
        today = self._today()
        for link in links:
            person = self.people.get(link.person_id)
            if person is not None and policy.link_basis(person, link, today) != Basis.NONE:
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
                    "this is the account's own person, not a care link: see who may act "
                    "for you, and end it, in GET /v1/me/carers",
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
        self._hand_on(claims.subject, person_id)
        return link

    def _hand_on(self, leaving: str, person_id: str) -> None:
        """The guardian who decided for a person with no account let go: the longest-linked
        of the others decides from now on (answers new guardians' requests). With nobody
        left, the next guardian who files them with their name holds them."""
        person = self.people.get(person_id)
        if person is None or person.relation == "self" or person.owner_user_id != leaving:
            return
        today = self._today()
        remaining = [
            link
            for holder in self.links.holders(person_id)
            if (link := self.links.get(holder, person_id)) is not None
            and policy.link_basis(person, link, today) != Basis.NONE
        ]
        if not remaining:
            return
        heir = min(remaining, key=lambda link: link.created_at).user_id
        try:
            self.people.set_owner(person, user_id=heir, relation="dependant", now=self.clock())
        except Conflict as exc:
            if exc.code != "stale_write":
                raise
            # A declaration refreshed the person meanwhile: one more read decides.
            fresher = self.people.get(person_id)
            if fresher is not None and fresher.owner_user_id == leaving:
                self.people.set_owner(fresher, user_id=heir, relation="dependant", now=self.clock())

    # -- consent: whoever decides for the person answers a guardian's request ----------

    def _decided_by(self, user_id: str) -> list[Person]:
        """The persons whose links ``user_id`` decides: their own, and those only guardians
        hold that they filed first."""
        persons = []
        own = self.self_of(user_id)
        if own is not None:
            persons.append(own)
        for link in self.links.for_user(user_id):
            person = self.people.get(link.person_id)
            if person is not None and policy.decides_links(user_id, person):
                persons.append(person)
        return persons

    def requests_for(self, claims: SessionClaims) -> list[CareRequestEntry]:
        """Requests the caller answers (for their own person, or a person only guardians
        hold whom they filed first), oldest first."""
        if self.care_requests is None:
            return []
        now = self.clock()
        entries = []
        for person in self._decided_by(claims.subject):
            for request in self.care_requests.pending_for(person.person_id):
                if not request.lapsed(now):
                    entries.append(self._entry(request))
        return sorted(entries, key=lambda e: e.request.created_at)

    def _entry(self, request: CareRequest) -> CareRequestEntry:
        guardian = self.self_of(request.guardian_user_id)
        return CareRequestEntry(request, guardian.name_masked if guardian else None)

    def answer(self, claims: SessionClaims, request_id: str, decision: str) -> CareRequestEntry:
        """Accept (the requester then acts for the person, with one colour whoever shows
        it) or refuse. Only whoever decides for the person answers; any other request id
        is 404, whether it exists or not."""
        missing = NotFound("no such care request", code="care_request_not_found")
        request = self.care_requests.get(request_id) if self.care_requests else None
        now = self.clock()
        person = self.people.get(request.person_id) if request is not None else None
        if request is None or person is None or request.lapsed(now):
            raise missing
        if not policy.decides_links(claims.subject, person):
            raise missing
        assert self.care_requests is not None
        if request.state == "accepted" and decision == "refuse":
            raise Conflict(
                "this request was accepted: end the link in GET /v1/me/carers instead",
                code="already_decided",
            )
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
            # The link records whose consent made it: it grants only while that account
            # still decides for the person (a move to another owner ends it).
            self.links.remove(request.guardian_user_id, person.person_id)
            self.links.add(
                CareLink(
                    request.guardian_user_id,
                    person.person_id,
                    request.relation,
                    now,
                    granted_by=claims.subject,
                )
            )
        self.audit.append(
            AuditEvent(
                subject_id=person.person_id,
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

    # -- who may act for me --------------------------------------------------------------

    def carers(self, claims: SessionClaims) -> list[CarerEntry]:
        """Everyone who may act for the caller's own person now, oldest link first."""
        own = self.self_of(claims.subject)
        if own is None:
            return []
        today = self._today()
        entries = []
        for holder in self.links.holders(own.person_id):
            link = self.links.get(holder, own.person_id)
            if link is None or holder == claims.subject:
                continue
            basis = policy.link_basis(own, link, today)
            if basis == Basis.NONE:
                continue
            carer = self.self_of(holder)
            entries.append(
                CarerEntry(
                    link_id=care_link_id(own.person_id, holder),
                    link=link,
                    basis=basis,
                    may=policy.acts_of(basis),
                    carer_name_masked=carer.name_masked if carer else None,
                    may_end=policy.may_end(own, link, today),
                )
            )
        return sorted(entries, key=lambda e: e.link.created_at)

    def end_carer(self, claims: SessionClaims, link_id: str) -> CarerEntry:
        """The person withdraws their consent: the carer stops acting for them at once. A
        guardian's link to a child under 14 stays (the guardians decide for the child)."""
        entry = next((e for e in self.carers(claims) if e.link_id == link_id), None)
        if entry is None:
            raise NotFound("no such carer of yours", field="link_id", code="carer_not_found")
        if not entry.may_end:
            raise Conflict(
                "a child under 14 stays with their guardians (PIPL Art. 31)",
                field="link_id",
                code="guardian_of_child",
            )
        self.links.remove(entry.link.user_id, entry.link.person_id)
        self.audit.append(
            AuditEvent(
                subject_id=entry.link.person_id,
                actor=claims.subject,
                actor_role=claims.role.value,
                action="care_link_ended",
                at=self.clock(),
                reason="withdrawn_by_person",
                before={"relation": entry.link.relation, "carer": entry.link.user_id},
            )
        )
        return entry

    # -- reactions (bootstrap's event_handlers) ------------------------------------------

    def person_moved(self, event: PersonMoved) -> None:
        """The person is now ``event.to_user_id``'s own: the links they did not agree to
        end. A guardian of a person who had no account (a filer, a parent) is asked
        again, as a request the person answers; a link the former holder granted (a
        squatter's accomplice) just ends. A child under 14 keeps their guardians."""
        person = self.people.get(event.person_id)
        if person is None:
            return
        now = self.clock()
        today = local_day(now)
        for holder in self.links.holders(person.person_id):
            link = self.links.get(holder, person.person_id)
            if link is None:
                continue
            granted_by_loser = (
                event.previous_relation == "self" and link.granted_by == event.from_user_id
            )
            if (
                holder != event.to_user_id
                and not granted_by_loser
                and policy.link_basis(person, link, today) != Basis.NONE
            ):
                continue
            self.links.remove(holder, person.person_id)
            asked = None
            if (
                event.previous_relation != "self"
                and holder != event.to_user_id
                and self.care_requests is not None
            ):
                asked = self.care_requests.ask(
                    CareRequest(
                        request_id=care_request_id(person.person_id, holder),
                        person_id=person.person_id,
                        guardian_user_id=holder,
                        relation=link.relation,
                        state="pending",
                        created_at=now,
                    )
                ).request_id
            self.audit.append(
                AuditEvent(
                    subject_id=person.person_id,
                    actor="system",
                    actor_role="system",
                    action="care_link_ended",
                    at=now,
                    reason=f"person_moved:{event.dispute_id}",
                    before={"relation": link.relation, "carer": holder},
                    after={"request": asked} if asked else None,
                )
            )
