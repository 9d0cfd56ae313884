"""ID numbers as they are issued (issue 29, finding 7).

The address code of a GB 11643 number is where the card was first issued (from 1984),
not the birthplace: an elder born in 1944 whose district got its code in 1983 holds a
number with that code. python-stdnum's ``ric.validate`` refuses a code not in force in
the birth year; we accept a code that was in force at any time at or after the birth
date, checked against stdnum's own ``cn/loc.dat``, and keep every other check.
"""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.reference_data import parse_id_number
from tests.helpers import make_id_number

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    "first17",
    [
        "61010419790501123",  # Xi'an Lianhu [1983-]: a resident born in 1979
        "61011319440312123",  # Xi'an Yanta [1983-]: born in 1944
        "61011619500101123",  # Xi'an Chang'an district [2002-], born in 1950
        "11010419500101123",  # Beijing Xuanwu [-2010], born in 1950: in force since
        "61012519830101123",  # Hu county [1983-2016]: born in its first year
        "61012520160101123",  # and in its last
        "61011319900101123",  # the ordinary case
    ],
)
def test_an_address_code_in_force_at_or_after_the_birth_date_is_valid(first17):
    number = make_id_number(first17)

    assert parse_id_number(number, today=TODAY) == number


@pytest.mark.parametrize(
    "first17",
    [
        "61012520170101123",  # Hu county was abolished in 2016: nobody born after holds it
        "61012320000101123",  # Lintong county [1983-1997], born 2000
        "11010420110101123",  # Beijing Xuanwu [-2010], born 2011
    ],
)
def test_a_code_abolished_before_the_birth_date_is_refused(first17):
    with pytest.raises(InvalidInput) as caught:
        parse_id_number(make_id_number(first17), today=TODAY)

    assert (caught.value.code, caught.value.field) == ("invalid_id_number", "id_number")


@pytest.mark.parametrize(
    "first17",
    [
        "61019919500101123",  # no county 610199 in Xi'an
        "99999919500101123",  # no province 99
        "61990019500101123",  # no prefecture 6199
    ],
)
def test_a_code_that_never_existed_is_refused(first17):
    with pytest.raises(InvalidInput) as caught:
        parse_id_number(make_id_number(first17), today=TODAY)

    assert caught.value.code == "invalid_id_number"


def test_the_check_digit_is_still_enforced():
    number = make_id_number("61010419790501123")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")

    with pytest.raises(InvalidInput) as caught:
        parse_id_number(wrong, today=TODAY)

    assert "check digit" in caught.value.message


@pytest.mark.parametrize(
    "first17",
    [
        "61010419790231123",  # 31 February
        "61010420261121123",  # tomorrow
        "61010418800101123",  # 146 years old
    ],
)
def test_the_birth_date_is_still_checked(first17):
    with pytest.raises(InvalidInput):
        parse_id_number(make_id_number(first17), today=TODAY)
