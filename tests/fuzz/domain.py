"""Request bodies that pass the schemas *and* look like real data, for the API fuzz.

Schemathesis generates from the published JSON Schemas, which cannot express
an ID number's checksum, a division code in force or a time inside the
itinerary window; almost every body it makes for a write is turned away by
the first domain check. These strategies make bodies that get past those
checks (valid ID numbers, real division codes, phones, times around the
clock) mixed with near misses (a wrong check digit, an abolished code, a
naive time, a stay in the future), so the fuzz reaches the services, the
tables and the colour engine behind each write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from chalicelib.declarations.rules import SYMPTOMS
from chalicelib.officials.rules import MARK_CATEGORIES, MARK_STATUSES
from tests.helpers import make_id_number

# Codes in force (cities and counties, municipalities' districts, a county-level city
# under a province), one abolished code and one that is no division at all.
CITIES = ["610100", "110100", "310100", "440300", "420100", "510100"]
COUNTIES = ["610113", "610103", "110101", "310115", "440305", "429004"]
ODD_CODES = ["610101", "999999", "610000", "000000"]
COUNTRIES = ["JP", "US", "KR", "HK", "MO", "TW", "CN", "XK", "ZZ", "jp"]

text = st.text(max_size=30)
unicode_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Mostly valid GB 11643 numbers; sometimes a wrong check digit or a future birth."""
    region = draw(st.sampled_from([*COUNTIES, "110105"]))
    born = draw(
        st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2030, 12, 31).date())
    )
    serial = draw(st.integers(0, 999))
    number = make_id_number(f"{region}{born:%Y%m%d}{serial:03d}")
    if draw(st.integers(0, 9)) == 0:  # a near miss: the check digit of another number
        number = number[:-1] + ("0" if number[-1] != "0" else "1")
    return number


phones = st.from_regex(r"\A1[3-9][0-9]{9}\Z") | st.sampled_from(
    ["13812345678", "13912345678", "+86 13800138000", "12812345678"]
)
division_codes = st.sampled_from(CITIES + COUNTIES + ODD_CODES) | st.from_regex(r"\A[0-9]{6}\Z")


def _rarely(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` nine times in ten, else ``odd``: most bodies get past the checks."""
    return st.integers(0, 9).flatmap(lambda n: odd if n == 0 else usual)


_OFFSETS = st.sampled_from([8, 8, 0, -5, 14, -12]).map(lambda h: timezone(timedelta(hours=h)))
_ODD_TIMES = st.sampled_from(
    ["2026-11-17T08:00:00", "0001-01-01T00:00:00+14:00", "2026-02-30T00:00+08:00", "soon", ""]
)


def moments(now: datetime, *, back: timedelta, ahead: timedelta) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda m, tz: m.replace(tzinfo=UTC).astimezone(tz),
        st.datetimes(
            min_value=(now - back).astimezone(UTC).replace(tzinfo=None),
            max_value=(now + ahead).astimezone(UTC).replace(tzinfo=None),
        ),
        _OFFSETS,
    )


def times(now: datetime) -> st.SearchStrategy[str]:
    """ISO 8601 with an offset in the last 14 days; rarely naive, unreal or far away."""
    recent = moments(now, back=timedelta(days=14), ahead=timedelta(0))
    return _rarely(recent.map(datetime.isoformat), _ODD_TIMES)


def declaration(id_number: str, phone: str) -> st.SearchStrategy[dict[str, Any]]:
    """The owner's own ID number and phone mostly (an account declares for one person)."""
    return st.fixed_dictionaries(
        {
            "name": unicode_text,
            "id_number": _rarely(st.just(id_number), id_numbers()),
            "phone": _rarely(st.just(phone), phones),
            "residence_region": _rarely(st.sampled_from(CITIES + COUNTIES), division_codes),
            "address": unicode_text,
            "symptoms": st.lists(st.sampled_from(list(SYMPTOMS)), unique=True, max_size=3),
            "contact_with_confirmed": st.booleans(),
            "abroad_14d": st.booleans(),
        },
        optional={
            "dependant": st.none()
            | st.fixed_dictionaries(
                {"relation": st.sampled_from(["child", "parent", "grandparent", "spouse"])}
            )
        },
    )


def status_request(now: datetime) -> st.SearchStrategy[dict[str, Any]]:
    day = st.dates(
        min_value=(now - timedelta(days=30)).date(), max_value=(now + timedelta(days=2)).date()
    )
    return st.fixed_dictionaries(
        {
            "id_number": id_numbers() | st.just(make_id_number("61011319900101456")),
            "status": st.sampled_from(list(MARK_STATUSES)),
            "category": st.sampled_from(list(MARK_CATEGORIES)),
            "note": unicode_text,
        },
        optional={"contact_date": day.map(lambda d: d.isoformat()) | st.just("2026-13-01")},
    )


@st.composite
def stays(draw: st.DrawFn, now: datetime) -> dict[str, Any]:
    """One carrier row: a stay of up to 30 hours that ended in the window; rarely odd."""
    city = draw(st.booleans())
    places = st.sampled_from(CITIES) if city else st.sampled_from(COUNTRIES[:5])
    odd_places = st.sampled_from(COUNTIES + ODD_CODES + COUNTRIES[5:])
    left = draw(moments(now, back=timedelta(days=13), ahead=timedelta(0)))
    entered = left - draw(st.timedeltas(timedelta(minutes=1), timedelta(hours=30)))
    return {
        "phone": draw(_rarely(st.sampled_from(["13812345678", "13912345678"]), phones)),
        "kind": "city" if city else "country",
        "place": draw(_rarely(places, odd_places)),
        "entered_at": draw(_rarely(st.just(entered.isoformat()), times(now))),
        "left_at": draw(_rarely(st.just(left.isoformat()), times(now))),
    }


def carrier_batch(now: datetime) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "batch_id": st.from_regex(r"\A[A-Za-z0-9_.:-]{1,20}\Z"),
            "stays": st.lists(stays(now), min_size=1, max_size=3),
        }
    )


@st.composite
def our_feed(draw: st.DrawFn, now: datetime) -> dict[str, Any]:
    """A snapshot published in the last two hours (newer than the seeded one, mostly)."""
    published = draw(moments(now, back=timedelta(hours=2), ahead=timedelta(minutes=30)))
    since = moments(published, back=timedelta(days=5), ahead=timedelta(0)).map(datetime.isoformat)
    area = st.fixed_dictionaries(
        {
            "region_code": _rarely(st.sampled_from(COUNTIES + CITIES), division_codes),
            "area": text,
            "level": _rarely(st.sampled_from(["high", "medium", "low"]), st.just("none")),
            "since": _rarely(since, times(now)),
        }
    )
    return {
        "feed_id": draw(st.from_regex(r"\A[A-Za-z0-9_.:-]{1,20}\Z")),
        "published_at": draw(_rarely(st.just(published.isoformat()), times(now))),
        "areas": draw(st.lists(area, max_size=4)),
    }


def risk_feed(now: datetime) -> st.SearchStrategy[dict[str, Any]]:
    ours = our_feed(now)
    row = st.fixed_dictionaries(
        {
            "province": st.sampled_from(["陕西省", "上海市", "湖北省", "北京市", ""]),
            "city": st.sampled_from(["西安市", "上海市", "仙桃市", "北京市", ""]),
            "county": st.sampled_from(["雁塔区", "浦东新区", "", "高新区", "朝阳区"]),
            "area_name": text,
            "communitys": st.lists(text, max_size=3),
        }
    )
    stamps = st.datetimes(
        min_value=(now - timedelta(days=3)).replace(tzinfo=None),
        max_value=(now + timedelta(hours=3)).replace(tzinfo=None),
    ).map(lambda m: f"{m:%Y-%m-%d} {m.hour}时")
    national = st.fixed_dictionaries(
        {
            "code": st.sampled_from([0, "0", 1]),
            "data": st.fixed_dictionaries(
                {"end_update_time": stamps | text},
                optional={
                    "highlist": st.lists(row, max_size=3),
                    "middlelist": st.lists(row, max_size=3),
                    "lowlist": st.lists(row, max_size=2),
                },
            ),
        }
    )
    return ours | national


def flipped(token: str) -> st.SearchStrategy[str]:
    """A real token, truncated or with one character changed."""
    index = st.integers(0, len(token) - 1)
    alphabet = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    changed = st.builds(lambda i, c: token[:i] + c + token[i + 1 :], index, alphabet)
    cut = index.map(lambda i: token[:i])
    return st.sampled_from([token]) | changed | cut


@st.composite
def lab_batch(draw: st.DrawFn, now: datetime, id_number: str) -> dict[str, Any]:
    """Results for the owner (mostly) or anyone, sampled in the last three days."""
    sampled = moments(now, back=timedelta(days=3), ahead=timedelta(0)).map(datetime.isoformat)
    row = st.fixed_dictionaries(
        {
            "id_number": _rarely(st.just(id_number), id_numbers()),
            "sample_id": st.from_regex(r"\A[A-Z0-9-]{1,12}\Z"),
            "sampled_at": _rarely(sampled, times(now)),
            "result": st.sampled_from(["negative", "negative", "positive", "invalid"]),
            "lab": st.sampled_from(["金域医学", "迪安诊断"]) | unicode_text,
        },
        optional={"reported_at": sampled},
    )
    return {
        "batch_id": draw(st.from_regex(r"\A[A-Za-z0-9_.:-]{1,20}\Z")),
        "results": draw(st.lists(row, min_size=1, max_size=3)),
    }


def test_sites_query() -> st.SearchStrategy[dict[str, Any]]:
    """Around Xi'an mostly; anywhere on earth sometimes."""
    near = st.fixed_dictionaries(
        {"lat": st.floats(33.5, 35.0), "lng": st.floats(108.0, 109.8)},
        optional={"limit": st.integers(1, 50), "radius_km": st.floats(0.1, 50)},
    )
    anywhere = st.fixed_dictionaries(
        {"lat": st.floats(-90, 90), "lng": st.floats(-180, 180)},
        optional={"limit": st.integers(1, 50), "radius_km": st.floats(0.001, 50)},
    )
    return _rarely(near, anywhere).map(lambda q: {"query": q})


@st.composite
def partner_code(draw: st.DrawFn, now: datetime, keys: Any, own: str) -> str:
    """A partner's or the national code, fresh or stale; rarely ours or a damaged one."""
    from chalicelib.colours.model import Colour

    signer, region = draw(
        st.sampled_from(
            [(keys.partner, "440100"), (keys.national, "100000"), (keys.root, "440100")]
        )
    )
    issued = draw(moments(now, back=timedelta(minutes=30), ahead=timedelta(minutes=2)))
    code = signer.code(
        region,
        issued_at=issued.astimezone(UTC),
        colour=draw(st.sampled_from(list(Colour))),
        lifetime=draw(st.integers(1, 23)),
    )
    return str(draw(_rarely(st.just(code), st.just(own) | flipped(code))))


@st.composite
def trust_list_upload(draw: st.DrawFn, now: datetime, keys: Any) -> dict[str, Any]:
    """A trust list from the pinned root (rarely another key), any version, keys revoked
    or expiring; a newer version replaces the active one."""
    from tests.federation_helpers import trust_list

    entries = keys.entries(now)
    for entry in entries:
        if draw(st.integers(0, 4)) == 0:
            entry["status"] = "revoked"
        if draw(st.integers(0, 4)) == 0:
            entry["not_after"] = draw(times(now))
    root = draw(_rarely(st.just(keys.root), st.just(keys.partner)))
    issued = draw(moments(now, back=timedelta(days=2), ahead=timedelta(minutes=10)))
    document = trust_list(
        root, entries, version=draw(st.integers(0, 6)), issued_at=issued.astimezone(UTC)
    )
    return {"body": {"document": document}}


@st.composite
def partner_statuses(draw: st.DrawFn, now: datetime, keys: Any) -> dict[str, Any]:
    from tests.federation_helpers import attestation, attestation_batch

    until = moments(now, back=timedelta(days=1), ahead=timedelta(days=20))
    items = draw(
        st.lists(
            st.builds(
                lambda h, c, u: attestation(h, c, u.astimezone(UTC)),
                st.from_regex(r"\A[0-9a-f]{64}\Z") | st.sampled_from(["", "zz"]),
                st.sampled_from(["red", "yellow", "green", "pending", "blue"]),
                until,
            ),
            max_size=3,
        )
    )
    signer = draw(_rarely(st.just(keys.partner), st.just(keys.national)))
    issued = draw(moments(now, back=timedelta(hours=2), ahead=timedelta(minutes=10)))
    return attestation_batch(
        signer,
        "440100",
        items,
        issued_at=issued.astimezone(UTC),
        batch_id=draw(st.from_regex(r"\A[A-Za-z0-9_.:-]{1,20}\Z")),
    )


def venue_registration() -> st.SearchStrategy[dict[str, Any]]:
    """Inside Xi'an mostly; rarely another region's, an odd code or an odd kind."""
    return st.fixed_dictionaries(
        {
            "name": unicode_text,
            "address": unicode_text,
            "region_code": _rarely(st.sampled_from(["610113", "610103", "610100"]), division_codes),
            "lat": st.floats(-90, 90),
            "lng": st.floats(-180, 180),
            "kind": _rarely(
                st.sampled_from(["restaurant", "shop", "office", "transport"]),
                st.sampled_from(["casino", ""]),
            ),
        }
    )


def checkin(venue_token: str) -> st.SearchStrategy[dict[str, Any]]:
    """The café's poster, sometimes damaged; rarely a person id that is not the caller's."""
    return st.fixed_dictionaries(
        {"venue_token": _rarely(st.just(venue_token), flipped(venue_token))},
        optional={"person": st.sampled_from(["p_" + "0" * 20, "x", "p_self"])},
    )


@st.composite
def vaccination_batch(draw: st.DrawFn, now: datetime, id_number: str) -> dict[str, Any]:
    given = moments(now, back=timedelta(days=900), ahead=timedelta(0)).map(datetime.isoformat)
    row = st.fixed_dictionaries(
        {
            "record_id": st.from_regex(r"\A[A-Z0-9-]{1,12}\Z"),
            "id_number": _rarely(st.just(id_number), id_numbers()),
            "dose_number": _rarely(st.integers(1, 4), st.integers(-2, 12)),
            "vaccine": st.sampled_from(["科兴", "国药北京所", "智飞龙科马"]) | unicode_text,
            "administered_at": _rarely(given, times(now)),
            "site": st.sampled_from(["雁塔区疾控中心"]) | unicode_text,
        }
    )
    return {
        "batch_id": draw(st.from_regex(r"\A[A-Za-z0-9_.:-]{1,20}\Z")),
        "records": draw(st.lists(row, min_size=1, max_size=3)),
    }


DEPENDANT_ID = make_id_number("11010119400101123")  # the owner's grandparent (conftest)

# What each operation's domain-aware cases carry: Case keyword arguments, from the world.
Bodies = Callable[[Any], st.SearchStrategy[dict[str, Any]]]

BODIES: dict[tuple[str, str], Bodies] = {
    ("POST", "/v1/declarations"): lambda w: declaration(w.id_number, w.phone).map(
        lambda b: {"body": b}
    ),
    ("POST", "/v1/admin/status"): lambda w: status_request(w.clock.now).map(lambda b: {"body": b}),
    ("POST", "/v1/feeds/carrier"): lambda w: carrier_batch(w.clock.now).map(lambda b: {"body": b}),
    ("POST", "/v1/feeds/risk-areas"): lambda w: risk_feed(w.clock.now).map(lambda b: {"body": b}),
    ("POST", "/v1/verify"): lambda w: st.fixed_dictionaries(
        {"token": flipped(w.code_token)},
        optional={"venue_id": st.sampled_from([w.ids["venue_id"], "610113-0042", "999999-1", "x"])},
    ).map(lambda b: {"body": b}),
    ("POST", "/v1/verify/id"): lambda w: st.fixed_dictionaries(
        {"id_number": _rarely(st.sampled_from([w.id_number, DEPENDANT_ID]), id_numbers())},
        optional={"venue_id": st.sampled_from([w.ids["venue_id"], "610113-0042", "999999-1", "x"])},
    ).map(lambda b: {"body": b}),
    ("POST", "/v1/people/{person_id}/printed-code"): lambda w: st.fixed_dictionaries(
        {}, optional={"days": st.integers(-2, 40)}
    ).map(lambda b: {"body": b, "path_parameters": {"person_id": w.ids["person_id"]}}),
    ("GET", "/v1/regions/{code}"): lambda w: division_codes.map(
        lambda c: {"path_parameters": {"code": c}}
    ),
    ("GET", "/v1/regions"): lambda w: st.one_of(
        st.just({}), division_codes.map(lambda c: {"query": {"parent": c}})
    ),
    ("PUT", "/v1/admin/regions/{code}/policy"): lambda w: st.tuples(
        division_codes, unicode_text
    ).map(lambda p: {"path_parameters": {"code": p[0]}, "body": {"text": p[1]}}),
    ("POST", "/v1/feeds/tests"): lambda w: lab_batch(w.clock.now, w.id_number).map(
        lambda b: {"body": b}
    ),
    ("GET", "/v1/test-sites"): lambda w: test_sites_query(),
    ("POST", "/v1/federation/convert"): lambda w: partner_code(
        w.clock.now, w.keys, w.code_token
    ).map(lambda t: {"body": {"token": t}}),
    ("PUT", "/v1/admin/trust-list"): lambda w: trust_list_upload(w.clock.now, w.keys),
    ("POST", "/v1/federation/status"): lambda w: partner_statuses(w.clock.now, w.keys).map(
        lambda b: {"body": b}
    ),
    ("POST", "/v1/admin/venues"): lambda w: venue_registration().map(lambda b: {"body": b}),
    ("POST", "/v1/checkins"): lambda w: checkin(w.venue_token).map(lambda b: {"body": b}),
    ("POST", "/v1/feeds/vaccinations"): lambda w: vaccination_batch(w.clock.now, w.id_number).map(
        lambda b: {"body": b}
    ),
    ("GET", "/v1/admin/audit"): lambda w: st.one_of(
        st.sampled_from(w.subjects).map(lambda s: {"query": {"subject": s}}),
        st.dates(
            min_value=(w.clock.now - timedelta(days=3)).date(),
            max_value=(w.clock.now + timedelta(days=1)).date(),
        ).map(lambda d: {"query": {"day": d.isoformat()}}),
    ),
}
