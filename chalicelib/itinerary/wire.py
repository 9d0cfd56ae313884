"""Builds the itinerary capability: carrier stays in, itinerary cards out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.itinerary.rules import CardPolicy
from chalicelib.itinerary.service import ItineraryService
from chalicelib.kernel import retention
from chalicelib.kernel.wiring import Kernel

if TYPE_CHECKING:
    from chalicelib.colours.ports import FactsSource


def wire(
    kernel: Kernel, *, facts: FactsSource, users: Callable[[str], Any], recolour: Any
) -> ItineraryService:
    from chalicelib.itinerary.store import DynamoIdempotency
    from chalicelib.kernel import reference_data

    return ItineraryService(
        stays=stays(kernel),
        idempotency=DynamoIdempotency(),
        facts=facts,
        users=users,
        hash_key=kernel.hash_key,
        divisions=reference_data.divisions,
        is_country=reference_data.is_country,
        country_names=reference_data.country_names,
        policy=CardPolicy(),
        clock=kernel.clock,
        recolour=recolour,
    )


def stays(kernel: Kernel) -> Any:
    """The stays store, for what others read of it: a phone's stays (colours) and the
    phones in a city on a day (the risk refresh)."""
    from chalicelib.itinerary.store import DynamoStays

    return DynamoStays(retention=retention.keep("stays"), clock=kernel.clock)


def stars_a_city() -> Callable[..., bool]:
    """The card's star, which a stored colour keeps for the checkpoint (colours)."""
    from chalicelib.itinerary.rules import stars_a_city

    return stars_a_city
