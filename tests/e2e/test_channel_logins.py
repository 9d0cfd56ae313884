"""End to end over HTTP: WeChat and Alipay logins and phone binding on ``make run``'s stack.

The stack's WeChat and Alipay stand-ins (``scripts/standins/``) hold fresh
credentials that the local stage uses as its channel credentials, so the real
adapters and SDKs run: code2session, the access token, the phone-number API,
alipay.system.oauth.token with RSA2 both ways, and Alipay's encrypted phone.
The test codes are the README's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e import stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Stack]:
    running = stack.start(tmp_path_factory.mktemp("local-state"), "--no-demo")
    yield running
    running.stop()


def _post(base: str, path: str, payload: Any, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{base}{path}", json=payload, headers=headers, timeout=30)


def _me(base: str, token: str) -> dict[str, Any]:
    response = requests.get(
        f"{base}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_wechat_login_and_phone_binding(server):
    login = _post(server.base, "/v1/auth/wechat", {"code": "wx-e2e-wang"})
    assert login.status_code == 200, login.text
    session = login.json()
    assert session["role"] == "citizen" and session["user"]["phone_bound"] is False
    assert "session_key" not in login.text

    again = _post(server.base, "/v1/auth/wechat", {"code": "wx-e2e-wang"}).json()
    bound = _post(
        server.base,
        "/v1/me/phone",
        {"channel": "wechat", "code": "phone-13612349876"},
        session["token"],
    )

    assert again["user"]["id"] == session["user"]["id"]  # the same name, the same user
    assert bound.status_code == 200, bound.text
    me = _me(server.base, session["token"])
    assert me["phone_masked"] == "136****9876" and me["channels"] == ["wechat"]


def test_alipay_login_and_phone_binding_join_the_wechat_account(server):
    """One person, vouched by both channels for one ID number: the phone joins the two
    logins. (Without a shared vouch a proven phone moves, never the account: a carrier
    may have reissued the number; tests/app/test_phone_recycling.py.)"""
    from tests.helpers import make_id_number

    number = make_id_number("61011319870303123")
    wechat = _post(server.base, "/v1/auth/wechat", {"code": "wx-e2e-li"}).json()
    vouched = _post(
        server.base,
        "/v1/me/real-name",
        {"name": "李雷", "id_number": number, "code": f"realname-{number}"},
        wechat["token"],
    )
    assert vouched.json()["vouched"] is True, vouched.text
    assert (
        _post(
            server.base,
            "/v1/me/phone",
            {"channel": "wechat", "code": "phone-13712340001"},
            wechat["token"],
        ).status_code
        == 200
    )
    login = _post(server.base, "/v1/auth/alipay", {"auth_code": f"ali-id-{number}"})
    assert login.status_code == 200, login.text
    alipay = login.json()
    assert alipay["user"]["id"] != wechat["user"]["id"]  # not yet: no phone proven

    # what my.getPhoneNumber hands the mini-program, played by the stand-in
    proof = requests.post(
        f"{server.channels}/alipay/phone", json={"mobile": "13712340001"}, timeout=30
    ).json()
    bound = _post(
        server.base,
        "/v1/me/phone",
        {"channel": "alipay", **{k: proof[k] for k in ("response", "sign", "sign_type")}},
        alipay["token"],
    )

    assert bound.status_code == 200, bound.text
    assert bound.json()["id"] == wechat["user"]["id"]
    again = _post(server.base, "/v1/auth/alipay", {"auth_code": f"ali-id-{number}"}).json()
    assert again["user"]["id"] == wechat["user"]["id"]
    assert _me(server.base, again["token"])["channels"] == ["wechat", "alipay"]


def test_an_alipay_certified_owner_takes_their_id_number_back_from_a_squatter(server):
    from tests.helpers import declaration, make_id_number

    number = make_id_number("61011319850101123")
    squatter = _post(
        server.base, "/v1/auth/dev", {"subject": "e2e-squatter", "phone": "13822223333"}
    )
    stolen = _post(
        server.base,
        "/v1/declarations",
        declaration(name="李四", id_number=number, phone="13822223333"),
        squatter.json()["token"],
    )
    assert stolen.status_code == 201, stolen.text
    owner = _post(server.base, "/v1/auth/alipay", {"auth_code": f"ali-id-{number}"}).json()

    claimed = _post(
        server.base,
        "/v1/declarations",
        declaration(name="李四", id_number=number, phone="13911112222"),
        owner["token"],
    )

    assert claimed.status_code == 201, claimed.text
    code = requests.get(
        f"{server.base}/v1/code",
        headers={"Authorization": f"Bearer {owner['token']}"},
        timeout=30,
    )
    assert code.status_code == 200 and code.json()["holder"]["name_masked"] == "李*"
    lost = requests.get(
        f"{server.base}/v1/code",
        headers={"Authorization": f"Bearer {squatter.json()['token']}"},
        timeout=30,
    )
    assert lost.status_code == 404


def test_a_wechat_real_name_check_gives_the_owner_their_number_back(server):
    from tests.helpers import declaration, make_id_number

    number = make_id_number("61011319860202123")
    squatter = _post(server.base, "/v1/auth/dev", {"subject": "e2e-squatter-2"}).json()["token"]
    held = declaration(name="王五", id_number=number, phone="13822224444")
    assert _post(server.base, "/v1/declarations", held, squatter).status_code == 201
    owner = _post(server.base, "/v1/auth/wechat", {"code": "wx-e2e-wangwu"}).json()["token"]
    mine = declaration(name="王五", id_number=number, phone="13911114444")
    disputed = _post(server.base, "/v1/declarations", mine, owner)
    assert disputed.status_code == 409 and disputed.json()["error"]["code"] == "id_number_disputed"
    check = {"name": "王五", "id_number": number}

    unnamed = _post(server.base, "/v1/me/real-name", {**check, "code": "realname-none"}, owner)
    checked = _post(server.base, "/v1/me/real-name", {**check, "code": f"realname-{number}"}, owner)

    assert unnamed.json() == {
        "result": "not_real_named",
        "vouched": False,
        "dispute_settled": False,
    }
    assert checked.json() == {"result": "match", "vouched": True, "dispute_settled": True}
    code = requests.get(
        f"{server.base}/v1/code", headers={"Authorization": f"Bearer {owner}"}, timeout=30
    )
    assert code.status_code == 200 and code.json()["holder"]["name_masked"] == "王*"


@pytest.mark.parametrize(
    ("path", "payload", "code"),
    [
        ("/v1/auth/wechat", {"code": "081abc"}, "wechat_code_invalid"),
        ("/v1/auth/alipay", {"auth_code": "4b203fe6c11548bcabd8"}, "alipay_code_invalid"),
    ],
)
def test_codes_that_are_not_test_codes_are_401(server, path, payload, code):
    response = _post(server.base, path, payload)

    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == code


def test_a_phone_code_that_is_not_a_test_code_is_400(server):
    token = _post(server.base, "/v1/auth/wechat", {"code": "wx-e2e-zhao"}).json()["token"]

    response = _post(server.base, "/v1/me/phone", {"channel": "wechat", "code": "abc"}, token)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == "code"
    assert _me(server.base, token)["phone_bound"] is False


def test_the_dev_login_stays(server):
    response = _post(server.base, "/v1/auth/dev", {"subject": "e2e-dev", "phone": "13612340002"})

    assert response.status_code == 200 and response.json()["user"]["phone_bound"] is True
