"""Reference data shipped by maintained packages: division codes, ID-number checks and
country names.

The first two come from python-stdnum (pinned in requirements.txt): its ``cn/loc.dat``
table of division codes with their years in force, and ``stdnum.cn.ric``,
the maintained GB 11643 resident-ID implementation (length, birth date,
address code, check digit). We add what it lacks: a birth date in the future
is refused, and so is one more than 130 years ago. And we read the address code as
it is issued: it names where the card was first issued (cards from 1984), not the
birthplace, so it is valid when it was in force at any time at or after the birth
date (stdnum asks for a code in force in the birth year, which refuses every elder
whose district got its code after they were born). Country names come from pycountry
through a small generated file (``countries.json``, see ``scripts/countries.py``).
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib import resources

from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import InvalidInput


@lru_cache(maxsize=1)
def divisions() -> DivisionIndex:
    data = resources.files("stdnum").joinpath("cn", "loc.dat")
    with data.open(encoding="utf-8") as handle:
        return DivisionIndex.parse(handle)


def parse_id_number(raw: object, *, today: date, field: str = "id_number") -> str:
    """A valid 18-character GB 11643 number (upper-case X), or InvalidInput naming ``field``."""
    from stdnum.cn import ric
    from stdnum.exceptions import (
        InvalidChecksum,
        InvalidComponent,
        InvalidFormat,
        InvalidLength,
        ValidationError,
    )

    if not isinstance(raw, str):
        raise InvalidInput("an ID number must be a string", field=field)
    number = ric.compact(raw).upper()
    try:
        try:
            ric.validate(number)
        except InvalidComponent:
            # The birth date, or an address code not in force in the birth year: the
            # date is checked again, and the code by the issuing rule.
            if not _issued_address(number, ric.get_birth_date(number)):
                raise
    except InvalidLength:
        raise InvalidInput(
            "an ID number has 18 characters", field=field, code="invalid_id_number"
        ) from None
    except InvalidChecksum:
        raise InvalidInput(
            "the ID number's check digit is wrong", field=field, code="invalid_id_number"
        ) from None
    except InvalidComponent:
        raise InvalidInput(
            "the ID number's birth date or birthplace code is not valid",
            field=field,
            code="invalid_id_number",
        ) from None
    except (InvalidFormat, ValidationError):
        raise InvalidInput(
            "an ID number is 17 digits and a digit or X", field=field, code="invalid_id_number"
        ) from None
    except (ValueError, KeyError):
        raise InvalidInput("not a valid ID number", field=field, code="invalid_id_number") from None
    born = ric.get_birth_date(number)
    if born > today:
        raise InvalidInput(
            "the ID number's birth date is in the future", field=field, code="invalid_id_number"
        )
    if today.year - born.year > 130:
        raise InvalidInput(
            "the ID number's birth date is implausibly old", field=field, code="invalid_id_number"
        )
    return number


def _issued_address(number: str, born: date) -> bool:
    """Whether the address code of ``number`` was in force at any time at or after the
    birth date, by python-stdnum's own division data (``cn/loc.dat``, read as
    ``ric.get_birth_place`` reads it: a county field is ``[start-end]name`` segments,
    comma-separated, an open end still in force, no brackets always in force). Years
    are the data's resolution: a code that ended in the birth year still counts."""
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(number[:6]) for k, v in props.items()}
    county = info.get("county")
    if not county or not number[:6].isdigit():
        return False
    for segment in county.split(","):
        if not segment.startswith("["):
            return True
        span, _, _name = segment[1:].partition("]")
        _start, _, end = span.partition("-")
        if not end or int(end) >= born.year:
            return True
    return False


@lru_cache(maxsize=1)
def _countries() -> dict[str, tuple[str, str]]:
    """ISO 3166-1 alpha-2 → (Chinese, English) names, from ``countries.json`` (10 KB,
    generated from pycountry by ``scripts/countries.py`` and checked against it by the
    tests; pycountry's own 21 MB of tables in every language is not shipped)."""
    with resources.files(__package__).joinpath("countries.json").open(encoding="utf-8") as f:
        table = json.load(f)["countries"]
    return {code: (names[0], names[1]) for code, names in table.items()}


def is_country(code: str) -> bool:
    return isinstance(code, str) and code.upper() in _countries()


def country_names(code: str) -> tuple[str, str]:
    """(Chinese, English) names of a country or region; an unknown code is its own name."""
    return _countries().get(code.upper(), (code, code))
