"""Reference data shipped by maintained packages: division codes and ID-number checks.

Both come from python-stdnum (pinned in requirements.txt): its ``cn/loc.dat``
table of division codes with their years in force, and ``stdnum.cn.ric``,
the maintained GB 11643 resident-ID implementation (length, birth date,
birthplace, check digit). We add what it lacks: a birth date in the future
is refused, and so is one more than 130 years ago.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from chalicelib.domain.divisions import DivisionIndex
from chalicelib.domain.errors import InvalidInput


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
        ric.validate(number)
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


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 → English name, from pycountry (the ISO tables, maintained)."""
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


def is_country(code: str) -> bool:
    return isinstance(code, str) and code.upper() in _countries()


@lru_cache(maxsize=1)
def _chinese() -> Any:
    import gettext

    import pycountry

    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True
    )


def country_names(code: str) -> tuple[str, str]:
    """(Chinese, English) names of a country or region."""
    english = _countries().get(code.upper(), code)
    return _chinese().gettext(english), english
