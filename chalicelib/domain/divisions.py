"""Administrative division codes (GB/T 2260): which codes exist now, and their names.

The data is not typed in here: :meth:`DivisionIndex.parse` reads the table
python-stdnum ships for ID numbers (``stdnum/cn/loc.dat``, compiled from the
Ministry of Civil Affairs codes with the years each name was in force). A
name tagged ``[1983-2005]`` has been abolished; ``[1997-]`` or no tag means
it is in force. ID numbers may carry abolished codes (a birthplace), but a
residence or an itinerary city must be a code in force today.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.domain.errors import InvalidInput

_CODE_RE = re.compile(r"^\d{6}$")
_SEGMENT_RE = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")
_MUNICIPAL = {"市辖区", "县", "市", "省直辖县级行政单位", "自治区直辖县级行政单位"}


@dataclass(frozen=True)
class Division:
    code: str
    name: str  # the name in force
    province: str

    @property
    def is_province(self) -> bool:
        return self.code.endswith("0000")

    @property
    def is_city(self) -> bool:
        return self.code.endswith("00") and not self.is_province


def _current_name(field: str) -> str | None:
    """The segment of ``[1983-1999]城区,[2000-]王益区`` that is still in force."""
    for segment in reversed(field.split(",")):
        match = _SEGMENT_RE.match(segment.strip())
        if match and match.group(2) is None:
            return match.group(3).strip()
    return None


class DivisionIndex:
    def __init__(self, divisions: Mapping[str, Division]) -> None:
        self._divisions = dict(divisions)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> DivisionIndex:
        """Parse stdnum's ``loc.dat`` format (province lines, then indented county lines)."""
        divisions: dict[str, Division] = {}
        prefix, province = "", ""
        for raw in lines:
            if not raw.strip() or raw.startswith("#"):
                continue
            code, _, rest = raw.strip().partition(" ")
            value = rest.split('="', 1)[-1].rstrip('"') if '="' in rest else ""
            if not raw.startswith(" "):
                prefix, province = code, _current_name(value) or value
                continue
            full = prefix + code
            name = _current_name(value)
            if name is not None and _CODE_RE.match(full):
                divisions[full] = Division(code=full, name=name, province=province)
        return cls(divisions)

    def __len__(self) -> int:
        return len(self._divisions)

    def get(self, code: str) -> Division | None:
        return self._divisions.get(code)

    def display_name(self, code: str) -> str | None:
        """A human name: municipalities' ``110100 市辖区`` reads as ``北京市``."""
        division = self._divisions.get(code)
        if division is None:
            return None
        if division.name in _MUNICIPAL:
            return division.province
        if division.is_city or division.is_province:
            return division.name
        city = self._divisions.get(code[:4] + "00")
        if city is None or city.name in _MUNICIPAL:
            return f"{division.province}{division.name}"
        return f"{city.name}{division.name}"

    def resolve(self, province: str, city: str, county: str) -> str | None:
        """Names → the code in force, or None. Handles municipalities (the city repeats
        the province), county-level cities directly under a province, and county names
        that repeat across cities (the named city decides)."""
        province, city, county = (" ".join(x.split()) for x in (province, city, county))
        prefixes = [
            d.code[:2]
            for d in self._divisions.values()
            if d.province == province and d.code[:2] + "0000" == d.code
        ] or sorted({d.code[:2] for d in self._divisions.values() if d.province == province})
        if not prefixes:
            return None
        in_province = [d for d in self._divisions.values() if d.code[:2] in prefixes]
        city_codes = [d.code for d in in_province if d.is_city and d.name == city]
        if not county:
            if len(city_codes) == 1:
                return city_codes[0]
            county = city  # a county-level city named as the city (仙桃市 under 湖北省)
        matches = [d for d in in_province if d.name == county and not d.is_province]
        if city_codes:
            narrowed = [d for d in matches if d.code[:4] + "00" in city_codes]
            matches = narrowed or matches
        codes = sorted({d.code for d in matches})
        return codes[0] if len(codes) == 1 else None

    def parse_region(self, raw: object, *, field: str, city_only: bool = False) -> str:
        """A division code in force today, or InvalidInput naming ``field``."""
        if not isinstance(raw, str) or not _CODE_RE.match(raw):
            raise InvalidInput("must be a 6-digit GB/T 2260 division code", field=field)
        division = self._divisions.get(raw)
        if division is None or division.is_province:
            raise InvalidInput(
                f"{raw} is not a city or county division code in force",
                field=field,
                code="unknown_division",
            )
        if city_only and not division.is_city:
            raise InvalidInput(
                f"{raw} is not a city code (ending in 00)", field=field, code="not_a_city"
            )
        return raw
