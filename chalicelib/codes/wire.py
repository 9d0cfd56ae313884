"""Builds the codes capability: showing and verifying health codes, and the gate without
a phone (printed codes, the ID-card check)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.codes.gate import GateService
from chalicelib.codes.service import CodeService
from chalicelib.kernel.wiring import Kernel

if TYPE_CHECKING:
    from chalicelib.codes.rules import Post
    from chalicelib.colours.service import ColourService
    from chalicelib.federation.service import FederationService
    from chalicelib.kernel.audit import Audit
    from chalicelib.people.ports import People, PersonFor


def wire(
    kernel: Kernel,
    *,
    colours: ColourService,
    people: People,
    person_for: PersonFor,
    audit: Audit,
    federation: FederationService,
    posts: Callable[[str], Sequence[Post]] = lambda user_id: (),
) -> tuple[CodeService, GateService]:
    from chalicelib.codes.store import DynamoPrintedCodes, DynamoScans
    from chalicelib.kernel import reference_data
    from chalicelib.kernel.signing import ed25519_verify

    settings, clock = kernel.settings, kernel.clock
    gate = GateService(
        people=people,
        person_for=person_for,
        printed=DynamoPrintedCodes(clock=clock),
        colours=colours.colours,
        scans=DynamoScans(),
        audit=audit,
        signer=kernel.signer,
        hash_key=kernel.hash_key,
        parse_id_number=reference_data.parse_id_number,
        divisions=reference_data.divisions,
        region=settings.region_code,
        clock=clock,
        publish=kernel.publish,
        render_card=_render_card,
        posts=posts,
    )
    codes = CodeService(
        colours=colours.colours,
        recolour=colours,
        signer=kernel.signer,
        verifier=ed25519_verify,
        scans=DynamoScans(),
        divisions=reference_data.divisions,
        region=settings.region_code,
        lifetime_minutes=settings.code_lifetime_minutes,
        clock=clock,
        publish=kernel.publish,
        trusted=federation.trusted_keys,
        converted=federation.converted,
        person_for=person_for,
        printed=gate.verify_printed,
        posts=posts,
    )
    return codes, gate


def _render_card(token: str, card: Any) -> bytes:
    from chalicelib.codes.card import pdf  # qrcode loads only when a card is printed

    return pdf(token, card)


def facts(kernel: Kernel) -> Any:
    """What a colour reads of a person's checkpoint scans (colours/facts.py)."""
    from chalicelib.codes.store import ScanFacts

    return ScanFacts(clock=kernel.clock)


def scans(kernel: Kernel) -> Any:
    """Who was scanned in a district on a day (the risk refresh's fan-out)."""
    from chalicelib.codes.store import DynamoScans

    return DynamoScans()
