"""The shipped country table is exactly what pycountry gives; pycountry itself is a
development requirement only, never in the Lambda package."""

from __future__ import annotations

import gettext
from pathlib import Path

import pycountry

from chalicelib.kernel.reference_data import country_names, is_country
from scripts import countries

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_file_equals_what_the_installed_pycountry_gives():
    assert countries.TARGET.read_text(encoding="utf-8") == countries.render(countries.build()), (
        "run python scripts/countries.py --write"
    )
    assert countries.main(["--check"]) == 0


def test_every_pycountry_country_resolves_to_its_names():
    chinese = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True
    )
    for country in pycountry.countries:
        assert is_country(country.alpha_2) and is_country(country.alpha_2.lower())
        assert country_names(country.alpha_2) == (chinese.gettext(country.name), country.name)


def test_known_names_and_unknown_codes():
    assert country_names("JP") == ("日本", "Japan")
    assert country_names("us")[1] == "United States"
    assert not is_country("XX") and not is_country("") and not is_country(None)  # type: ignore[arg-type]
    assert country_names("XX") == ("XX", "XX")


def test_pycountry_is_not_shipped_to_lambda():
    runtime = (ROOT / "requirements.txt").read_text()
    dev = (ROOT / "requirements-dev.txt").read_text()

    assert "pycountry" not in runtime
    assert "pycountry==" in dev
