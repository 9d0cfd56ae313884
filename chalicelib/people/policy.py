"""The one authority: may this caller do this to this person?

Pure: it answers from the relationships alone, which the people service reads
(the person, the caller's care link to them, the caller's role) and hands over.
Every route that names a person, read or write, goes through
``PeopleService.reach``, which asks :func:`decide`; no service reads a person by
id without it (docs/people.md, "Who may act for a person").

The relationships:

- **self**: the person is the caller's own (``owner_user_id`` with relation
  ``self``). The person may do everything, and alone decides who else may.
- **guardian of a child**: a care link to a person under 14 (PIPL Art. 31: a
  child's guardians decide for the child), whether or not the child has an
  account of their own. The child cannot end it; the guardian can.
- **guardian of a person with no account**: a care link to a person that only
  guardians hold (relation ``dependant``): the first guardian filed them; a
  later one was accepted by the guardian who decided then (the person's owner:
  the filer, or the next guardian once the filer let go).
- **carer the person agreed to**: a care link to a person of 14 or more with an
  account of their own, granted by that account (``granted_by`` is the current
  owner). A link granted by anyone else (the person's former holder, a squatter
  who lost a dispute, a filer before the person took their own record) grants
  nothing: when a person changes hands, every link they did not agree to stops
  at once, before any clean-up runs.
- **staff**: a role with a scope (officials print a code for anyone; reviewers
  and officials see masks in their queues); a checkpoint reads only through
  a scan at the venue it is posted to (chalicelib/codes/gate.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chalicelib.kernel.person import Person
from chalicelib.kernel.roles import Role
from chalicelib.people.rules import CareLink

CONSENT_AGE = 14  # PIPL Art. 31: under 14, a child's guardians consent for them


class Act(StrEnum):
    """What a caller does to a person."""

    READ = "read"  # the code, the pass, test results, vaccinations, check-ins
    DECLARE = "declare"  # a health declaration for them
    CHECK_IN = "check_in"  # a venue check-in in their name
    PRINT = "print"  # a printed code (纸质码), long-lived
    MANAGE = "manage"  # who may act for them: carers, requests, appeals


class Basis(StrEnum):
    """Why the caller may act: the relationship the answer rests on."""

    SELF = "self"
    GUARDIAN_OF_CHILD = "guardian_of_child"
    GUARDIAN = "guardian"  # of a person who has no account of their own
    CONSENT = "consent"  # a carer the person agreed to
    STAFF = "staff"
    NONE = "none"


CARER_ACTS = frozenset({Act.READ, Act.DECLARE, Act.CHECK_IN, Act.PRINT})
ALLOWED: dict[Basis, frozenset[Act]] = {
    Basis.SELF: frozenset(Act),
    Basis.GUARDIAN_OF_CHILD: CARER_ACTS,
    Basis.GUARDIAN: CARER_ACTS,
    Basis.CONSENT: CARER_ACTS,
    Basis.NONE: frozenset(),
}
# Staff act on anyone within their role's scope, and only for these acts.
STAFF_SCOPE: dict[Role, frozenset[Act]] = {
    Role.OFFICIAL: frozenset({Act.PRINT}),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis


def consent_age_on(birth: date) -> date:
    """The day the person turns 14 (a 29 February birthday: 1 March)."""
    try:
        return birth.replace(year=birth.year + CONSENT_AGE)
    except ValueError:
        return date(birth.year + CONSENT_AGE, 3, 1)


def is_child(person: Person, today: date) -> bool:
    """Under 14 on ``today`` (Asia/Shanghai). A person filed before the birth date was
    kept counts as 14 or more: they decide for themselves, the safer side."""
    return person.consent_age_on is not None and today < person.consent_age_on


def has_own_account(person: Person) -> bool:
    return person.relation == "self"


def link_basis(person: Person, link: CareLink, today: date) -> Basis:
    """What a care link is worth now: nothing unless the person (or, for a child or a
    person with no account, their guardians) agreed to it."""
    if not has_own_account(person):
        # Held only by guardians: the first filed them, a later one was accepted by the
        # guardian who decided then (a link kept from before consent was recorded
        # counts for the filer only).
        if link.granted_by is not None or person.owner_user_id == link.user_id:
            return Basis.GUARDIAN_OF_CHILD if is_child(person, today) else Basis.GUARDIAN
        return Basis.NONE
    if is_child(person, today):
        # A child's own account does not undo the guardians it had (a link somebody
        # agreed to; a dispute's move ends the links its loser granted).
        return Basis.GUARDIAN_OF_CHILD if link.granted_by is not None else Basis.NONE
    if link.granted_by is not None and link.granted_by == person.owner_user_id:
        return Basis.CONSENT
    return Basis.NONE


def relationship(user_id: str, person: Person, link: CareLink | None, today: date) -> Basis:
    if has_own_account(person) and person.owner_user_id == user_id:
        return Basis.SELF
    if link is None or link.user_id != user_id or link.person_id != person.person_id:
        return Basis.NONE
    return link_basis(person, link, today)


def decide(
    user_id: str,
    role: Role,
    act: Act,
    person: Person,
    link: CareLink | None,
    today: date,
) -> Decision:
    """May ``user_id`` (signed in as ``role``) do ``act`` to ``person``?"""
    scope = STAFF_SCOPE.get(role)
    if scope is not None:
        return Decision(act in scope, Basis.STAFF)
    if role != Role.CITIZEN:
        return Decision(False, Basis.NONE)
    basis = relationship(user_id, person, link, today)
    return Decision(act in ALLOWED.get(basis, frozenset()), basis)


def decides_links(user_id: str, person: Person) -> bool:
    """Who answers a request to act for the person: the person from their own account,
    or, for a person only guardians hold, the guardian who filed them first (their
    owner)."""
    return person.owner_user_id == user_id


def may_end(person: Person, link: CareLink, today: date) -> bool:
    """May the person (from their own account) end this link? Not a guardian's link to
    a child under 14: the guardians decide for the child."""
    return link_basis(person, link, today) != Basis.GUARDIAN_OF_CHILD


def acts_of(basis: Basis) -> tuple[str, ...]:
    """What a relationship lets the carer do, for the person to read."""
    return tuple(a.value for a in Act if a in ALLOWED.get(basis, frozenset()))
