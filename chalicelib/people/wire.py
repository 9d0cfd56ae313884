"""Builds the people capability: the people store every capability reads persons through,
and the service that says whom an account may show (its own person, its dependants)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.kernel.wiring import Kernel
from chalicelib.people.service import PeopleService

if TYPE_CHECKING:
    from chalicelib.colours.ports import Colours
    from chalicelib.kernel.audit import Audit
    from chalicelib.people.ports import People


def store(kernel: Kernel) -> People:
    from chalicelib.people.store import DynamoPeople

    return DynamoPeople()


def wire(kernel: Kernel, *, people: People, colours: Colours, audit: Audit) -> PeopleService:
    from chalicelib.people.care_store import DynamoCareLinks, DynamoCareRequests

    return PeopleService(
        people=people,
        links=DynamoCareLinks(),
        colours=colours,
        audit=audit,
        clock=kernel.clock,
        care_requests=DynamoCareRequests(clock=kernel.clock),
    )
