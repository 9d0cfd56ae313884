"""Control and format characters are refused in every identifier, with 400 naming the field.

A NUL in a dev-login subject, a right-to-left override in an appeal, an escape in a
path: each makes two values that look the same differ, or a reviewer read something
other than what was sent. Free text keeps its line breaks.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from chalicelib.declarations.store import DeclarationRecord
from chalicelib.identity.store import IdentityRecord, UserRecord
from chalicelib.officials.appeals_store import AppealRecord
from tests.helpers import assert_error, body, declaration, get, login, post

SNEAKY = ["\x00", "\x1b[31m", "\u202e", "\u200b", "\ufeff", "\x7f", "\x85"]


@pytest.mark.parametrize("char", SNEAKY)
def test_a_dev_login_subject_with_a_control_character_is_400_and_makes_no_account(client, char):
    response = post(client, "/v1/auth/dev", {"subject": f"alice{char}"})

    assert_error(response, 400, field="subject", code="control_character")
    assert UserRecord.count() == 0 and IdentityRecord.count() == 0


@pytest.mark.parametrize(("field", "value"), [("address", "雁塔路\n1号"), ("name", "张\u202e三")])
def test_a_declaration_with_one_is_400_naming_the_field_and_stores_nothing(client, field, value):
    token = login(client, "decl", phone="13812345678")

    response = post(client, "/v1/declarations", declaration(**{field: value}), token)

    assert_error(response, 400, field=field, code="control_character")
    assert DeclarationRecord.count() == 0


def test_chinese_names_with_the_ideographic_space_are_fine(client):
    token = login(client, "wide", phone="13812345678")

    response = post(client, "/v1/declarations", declaration(address="雁塔路\u30001号"), token)

    assert response.status_code == 201, body(response)


def test_an_appeal_keeps_its_line_breaks_but_not_a_bidi_override(client):
    token = login(client, "appeal", phone="13812345678")
    post(client, "/v1/declarations", declaration(), token)

    refused = post(client, "/v1/me/appeals", {"reason": "I was\u202e never there"}, token)
    assert_error(refused, 400, field="reason", code="control_character")
    assert AppealRecord.count() == 0

    kept = post(client, "/v1/me/appeals", {"reason": "I was at home.\n\tThe card is wrong."}, token)
    assert kept.status_code == 201, body(kept)
    assert body(kept)["reason"] == "I was at home.\n\tThe card is wrong."


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\x1b"])
def test_a_path_parameter_with_one_is_400_naming_it(client, char):
    response = get(client, f"/v1/venues/{quote('v_abc' + char)}/poster.svg")

    assert_error(response, 400, field="venue_id", code="control_character")


def test_a_query_parameter_with_one_is_400_naming_it(client):
    admin = login(client, "admin-cc", role="admin")

    response = get(client, f"/v1/admin/audit?subject={quote('u_1' + chr(0))}", admin)

    assert_error(response, 400, field="subject", code="control_character")
