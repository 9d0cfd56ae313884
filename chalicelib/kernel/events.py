"""Reactions across capabilities: what one capability tells the others, and the bus.

A capability that learns something others must act on publishes an event; it
does not call them. ``chalicelib/bootstrap.py`` keeps the one table that says
who handles what (``EVENT_HANDLERS``, as cosmicpython's message bus does), so the
whole web of reactions can be read in one place and a capability can be built
and tested alone (its ``publish`` is then a list in the test).

Handlers run at once, in the table's order, in the publisher's request; an
exception in a handler reaches the publisher, as a direct call's would. The
events hold ids and decisions, never a name, phone or ID number in clear
(``DisputeDecided.declaration`` is the claimant's kept declaration, which the
decided dispute hands to the declarations capability in memory only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Event:
    """The base of every event (frozen dataclasses below)."""


@dataclass(frozen=True)
class CaseChanged(Event):
    """A recolour found that the person became a confirmed case, or stopped being one."""

    person_id: str
    became_case: bool


@dataclass(frozen=True)
class Scanned(Event):
    """A checkpoint scanned, or the person checked in at, a venue in ``region_code``.

    ``actor`` is who made the scan, the source a recolour it causes is recorded with: the
    checkpoint account posted at ``venue_id`` (``actor_role`` checkpoint), or the account
    that checked the person in by the venue's poster (citizen). ``region_code`` is the
    registered venue's district, from its record, never parsed from an id."""

    person_id: str
    region_code: str
    actor: str
    actor_role: str
    venue_id: str


@dataclass(frozen=True)
class IdentityVouched(Event):
    """The account's login channel vouched for the real name behind ``id_hash``."""

    user_id: str
    id_hash: str


@dataclass(frozen=True)
class PhoneMoved(Event):
    """Another person's account proved a phone that an account had bound (a reissued
    number): the phone now feeds ``to_user_id``'s colours, no longer ``from_user_id``'s."""

    from_user_id: str
    to_user_id: str


@dataclass(frozen=True)
class PersonMoved(Event):
    """A decided identity dispute moved the person to another account (the person's own
    from then on). ``previous_relation``: ``self`` (another account held them as its
    own) or ``dependant`` (only guardians held them)."""

    person_id: str
    from_user_id: str
    to_user_id: str
    dispute_id: str
    previous_relation: str = "self"


@dataclass(frozen=True)
class DisputeDecided(Event):
    """An identity dispute was decided (``state``: moved, kept or proof_requested).

    ``outcome`` and ``answer`` are what the claimant's appeals about it are answered
    with; ``declaration`` is the claimant's kept declaration when the person moved."""

    dispute_id: str
    claimant_user_id: str
    state: str
    outcome: str
    answer: str
    declaration: Mapping[str, Any] | None = field(default=None, repr=False)


Handler = Callable[[Any], Any]


class MessageBus:
    """Hands each published event to its handlers, in order; returns their answers."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = {}

    def subscribe(self, table: Mapping[type[Event], Sequence[Handler]]) -> None:
        for kind, handlers in table.items():
            self._handlers.setdefault(kind, []).extend(handlers)

    def publish(self, event: Event) -> list[Any]:
        return [handler(event) for handler in self._handlers.get(type(event), ())]


Publish = Callable[[Event], list[Any]]


def nobody(event: Event) -> list[Any]:
    """The ``publish`` of a service built without a bus: nobody reacts."""
    return []
