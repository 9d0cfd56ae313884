"""Builds the colours capability: the facts behind a colour, the stored colours, and the
service that recolours a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.colours.service import ColourService
from chalicelib.colours.table import Policy
from chalicelib.kernel.wiring import Kernel

if TYPE_CHECKING:
    from chalicelib.colours.ports import FactsSource, StarsACity
    from chalicelib.declarations.ports import Declarations
    from chalicelib.officials.wire import Stores
    from chalicelib.people.ports import People


def wire(
    kernel: Kernel,
    *,
    people: People,
    declarations: Declarations,
    officials: Stores,
    facts: FactsSource,
    stars_a_city: StarsACity,
) -> ColourService:
    from chalicelib.colours.store import DynamoColours

    return ColourService(
        people=people,
        declarations=declarations,
        colours=DynamoColours(),
        marks=officials.marks,
        facts=facts,
        audit=officials.audit,
        policy=Policy(),
        clock=kernel.clock,
        publish=kernel.publish,
        stars_a_city=stars_a_city,
    )
