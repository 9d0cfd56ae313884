"""CodeService over the fakes with the real Ed25519 signer: showing a code for the
account's own person and its dependants, refusing anyone else's, verifying codes at a
checkpoint, and the scans that verifying records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.codes.token import CodeClaims, build, parse
from chalicelib.colours.model import Colour, RiskArea
from chalicelib.kernel.errors import InvalidInput, NotFound
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import SessionClaims
from chalicelib.people.rules import CareLink, self_person_id
from chalicelib.venues.rules import Assignment
from tests.fakes.builders import declaration, green, person, red, yellow
from tests.keys import Ed25519Key

CITIZEN = "u_citizen"


def claims(user_id, clock, role=Role.CITIZEN):
    return SessionClaims(
        subject=user_id,
        role=role,
        audience="yima",
        issued_at=clock(),
        expires_at=clock() + timedelta(hours=1),
    )


@pytest.fixture
def own(stores, clock):
    """The citizen's own person, stored green."""
    p = stores.file(person(self_person_id(CITIZEN), owner=CITIZEN))
    stores.declarations.add(
        declaration("d_1", person_id=p.person_id, at=clock() - timedelta(hours=1)), payload_enc="x"
    )
    stores.colours.save(p, green(clock()), expected_version=None)
    return p


def test_given_a_stored_colour_when_shown_then_a_signed_code_for_the_holder(
    code_service, own, signer, clock
):
    shown = code_service.show(claims(CITIZEN, clock))

    assert shown.stored.person_id == own.person_id
    assert (shown.claims.holder, shown.claims.colour, shown.claims.region) == (
        own.holder_id,
        Colour.GREEN,
        "610100",
    )
    assert shown.claims.expires_at == clock().replace(microsecond=0) + timedelta(minutes=5)
    parsed = parse(shown.token)
    assert parsed.claims.holder == own.holder_id
    assert parsed.kid == signer.kid


def test_given_no_colour_yet_when_shown_then_no_code(code_service, stores, clock):
    with pytest.raises(NotFound) as caught:
        code_service.show(claims(CITIZEN, clock))

    assert caught.value.code == "no_code"


def test_a_dependants_code_is_shown_to_the_guardian_and_nobody_else(
    code_service, stores, own, clock
):
    grandpa = stores.file(person("p_grandpa", owner=CITIZEN, relation="dependant"))
    stores.links.add(CareLink(CITIZEN, "p_grandpa", "grandparent", clock()))
    stores.colours.save(grandpa, red(clock()), expected_version=None)

    shown = code_service.show(claims(CITIZEN, clock), "p_grandpa")

    assert (shown.claims.holder, shown.claims.colour) == (grandpa.holder_id, Colour.RED)
    with pytest.raises(NotFound) as caught:
        code_service.show(claims("u_stranger", clock), "p_grandpa")
    assert caught.value.code == "person_not_found"


def test_another_accounts_person_is_refused_even_by_its_own_id(code_service, stores, own, clock):
    stores.file(person(self_person_id("u_stranger"), owner="u_stranger"))

    with pytest.raises(NotFound) as caught:
        code_service.show(claims("u_stranger", clock), own.person_id)

    assert (caught.value.code, caught.value.field) == ("person_not_found", "person")


def test_an_expired_colour_is_recoloured_before_it_is_shown(code_service, stores, clock):
    p = stores.file(person(self_person_id(CITIZEN), owner=CITIZEN))
    stores.declarations.add(
        declaration("d_1", person_id=p.person_id, at=clock() - timedelta(hours=1)), payload_enc="x"
    )
    ending = yellow(clock())
    stores.colours.save(p, ending, expected_version=None)  # the mark behind it has gone
    clock.now = ending.valid_until + timedelta(minutes=1)

    shown = code_service.show(claims(CITIZEN, clock))

    assert shown.claims.colour is Colour.GREEN
    assert stores.colours.get(p.person_id).version == 2
    assert stores.audit.events[-1].reason == "expired_on_read"


def test_a_checkpoint_verifies_a_code_and_sees_the_current_colour(code_service, stores, own, clock):
    token = code_service.show(claims(CITIZEN, clock)).token
    clock.now += timedelta(minutes=1)
    stores.colours.save(own, red(clock()), expected_version=1)  # turned red since

    result = code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), token, None)

    assert result.valid is True
    assert (result.colour, result.token_colour, result.issuer) == (
        Colour.RED,
        Colour.GREEN,
        "local",
    )
    assert result.stored.person_id == own.person_id
    assert result.latest_test is None  # the positive is the citizen's reason, not shown


def post_at(stores, clock, user_id="u_cp", venue_id="610104-0042", region="610104"):
    """An official posted the checkpoint account at a venue of ``region`` (its record's)."""
    stores.assignments.add(
        Assignment(
            assignment_id=f"as_{venue_id}",
            user_id=user_id,
            venue_id=venue_id,
            region_code=region,
            assigned_by="u_official",
            assigned_at=clock(),
        )
    )


def test_a_verified_scan_is_recorded_and_reaches_the_colour_facts(
    code_service, colour_service, stores, own, scanned_in, scan_events, clock
):
    stores.facts.store_risk("f1", (RiskArea("610104", "high", clock() - timedelta(days=2)),))
    stores.facts.activate("f1")
    post_at(stores, clock)
    token = code_service.show(claims(CITIZEN, clock)).token

    result = code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), token, "610104-0042")

    assert result.valid is True
    [row] = stores.scans.of(own.person_id)
    assert (row.venue_id, row.region_code, row.scanned_by, row.colour) == (
        "610104-0042",
        "610104",
        "u_cp",
        "green",
    )
    assert row.expires == clock() + timedelta(days=15)
    assert scanned_in == [(own.person_id, "610104")]
    [event] = scan_events
    assert (event.actor, event.actor_role, event.venue_id) == ("u_cp", "checkpoint", "610104-0042")
    recoloured = colour_service.recolour(
        own.person_id, actor="u_cp", actor_role="checkpoint", reason="scan:610104:610104-0042"
    )
    assert recoloured.colour is Colour.RED


def test_a_venue_id_the_checkpoint_is_not_posted_at_stores_nothing(
    code_service, stores, own, scanned_in, clock
):
    token = code_service.show(claims(CITIZEN, clock)).token

    with pytest.raises(InvalidInput) as caught:
        code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), token, "610104-9999")

    assert (caught.value.field, caught.value.code) == ("venue_id", "venue_not_assigned")
    assert stores.scans.rows == {}
    assert scanned_in == []


def test_a_scan_by_an_unposted_checkpoint_is_recorded_without_a_venue_and_no_fact(
    code_service, stores, own, scanned_in, clock
):
    token = code_service.show(claims(CITIZEN, clock)).token

    code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), token, None)

    [row] = stores.scans.of(own.person_id)
    assert (row.venue_id, row.region_code) == (None, None)
    assert scanned_in == []
    assert stores.facts.scans(own.person_id, since=clock() - timedelta(days=1)) == []


def test_an_expired_code_is_invalid_and_nothing_is_recorded(code_service, stores, own, clock):
    token = code_service.show(claims(CITIZEN, clock)).token
    clock.now += timedelta(minutes=6)

    result = code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), token, None)

    assert (result.valid, result.reason) == (False, "expired")
    assert stores.scans.rows == {}


def test_a_code_signed_with_a_key_we_never_published_is_refused(code_service, stores, own, clock):
    shown = code_service.show(claims(CITIZEN, clock))
    from chalicelib.codes.token import build

    forged = build(
        shown.claims, kid=shown.token and parse(shown.token).kid, sign=Ed25519Key.generate().sign
    )

    result = code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), forged, None)

    assert (result.valid, result.reason) == (False, "bad_signature")
    assert stores.scans.rows == {}


def test_a_code_of_a_holder_we_do_not_know_is_invalid(code_service, signer, stores, clock):
    stranger = CodeClaims(
        holder="00" * 8,
        colour=Colour.GREEN,
        issued_at=clock().replace(microsecond=0),
        lifetime_minutes=5,
        region="610100",
    )
    token = build(stranger, kid=signer.kid, sign=signer.sign)

    result = code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), token, None)

    assert (result.valid, result.reason, result.token_colour) == (
        False,
        "unknown_holder",
        Colour.GREEN,
    )
    assert stores.scans.rows == {}


def test_garbage_is_not_a_code(code_service, clock):
    result = code_service.verify(claims("u_cp", clock, Role.CHECKPOINT), "hello", None)

    assert (result.valid, result.reason) == (False, "wrong_prefix")
