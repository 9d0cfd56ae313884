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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from chalicelib.kernel.errors import InvalidInput

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


@dataclass(frozen=True)
class Placement:
    """Where a row of names lands: a division code, and the place below it that the row
    named in a shifted level (a street or town in ``county``), if any."""

    code: str
    within: str = ""


class DivisionIndex:
    def __init__(self, divisions: Mapping[str, Division]) -> None:
        self._divisions = dict(divisions)
        self._by_name: dict[str, list[Division]] = {}
        self._prefixes: dict[str, str] = {}
        self._with_counties: set[str] = set()  # cities that have county-level divisions
        for division in self._divisions.values():
            self._by_name.setdefault(division.name, []).append(division)
            if division.is_province:
                self._prefixes.setdefault(division.province, division.code[:2])
            elif not division.is_city and division.name not in _MUNICIPAL:
                self._with_counties.add(division.code[:4] + "00")
        for division in self._divisions.values():  # a province whose own line is missing
            self._prefixes.setdefault(division.province, division.code[:2])

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

    def __iter__(self) -> Iterator[Division]:
        return iter(self._divisions.values())

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

    def level(self, division: Division) -> str:
        """``province``, ``city`` or ``county`` (any county-level division)."""
        if division.is_province:
            return "province"
        return "city" if division.is_city else "county"

    def children(self, parent: str | None) -> list[Division]:
        """The divisions in force one level below ``parent`` (None: the provinces), by
        code: a province's cities, and the county-level divisions no city stands above
        (a province's directly administered cities); a city's counties; none below a
        county. What a region picker walks, 省 → 市 → 区县."""
        if parent is None:
            return sorted((d for d in self if d.is_province), key=lambda d: d.code)
        division = self._divisions.get(parent)
        if division is None or not (division.is_province or division.is_city):
            return []
        if division.is_province:
            inside = (
                d
                for d in self
                if d.code[:2] == parent[:2]
                and not d.is_province
                and (d.is_city or d.code[:4] + "00" not in self._divisions)
            )
        else:
            inside = (
                d  # a city's ``xx01 市辖区`` line is a placeholder, not a place
                for d in self
                if d.code[:4] == parent[:4] and not d.is_city and d.name not in _MUNICIPAL
            )
        return sorted(inside, key=lambda d: d.code)

    def picker_name(self, division: Division) -> str:
        """The name a picker shows at the division's own level: 北京市's ``市辖区`` reads
        as 北京市, a county as its own name (雁塔区)."""
        if division.name in ("市辖区", "县", "市"):
            return division.province
        return division.name

    def resolve(self, province: str, city: str, county: str) -> str | None:
        """Names → the code in force, or None (see :meth:`locate`)."""
        placement = self.locate(province, city, county)
        return placement.code if placement else None

    def locate(self, province: str, city: str, county: str) -> Placement | None:
        """Names as the national risk list writes them → where they are, or None.

        - The usual levels: a county named under its city (the named city decides
          between counties of the same name, 朝阳区 of 长春市 or of 北京市), or under
          no city at all where the province has none: a municipality repeating its
          own name, ``市辖区`` / ``县``, ``省直辖县级行政单位``.
        - ``county`` empty, ``市辖区`` or repeating the city: the city itself
          (``西安市 市辖区`` → 610100), or a county-level city named as the city
          (``湖北省 仙桃市`` → 429004).
        - Shifted levels: the city names a county-level division that no city stands
          above (a municipality's district, 北京市 朝阳区; a county-level city under
          its province, 湖北省 仙桃市), and ``county`` names a street or town inside
          it, kept as :attr:`Placement.within`. The same for a city that has no
          counties at all (东莞市, 中山市, 儋州市): its towns are in ``county``.
        - Anything else is None: development zones (西安高新技术产业开发区) and new
          areas (雄安新区) are not divisions, and the dataset does not say which
          district administers their streets; nor is a whole municipality or a
          name that matches more than one division.
        """
        province, city, county = (" ".join(x.split()) for x in (province, city, county))
        prefix = self._prefixes.get(province)
        if prefix is None:
            return None
        city_named = self._named(prefix, city)
        cities = [d for d in city_named if d.is_city]
        direct = [d for d in city_named if not d.is_city and self._no_city_above(d)]
        if county in ("", city) or county in _MUNICIPAL:
            if len(cities) == 1:
                return Placement(cities[0].code)
            county_cities = [d for d in city_named if not d.is_city]
            if len(county_cities) == 1:
                return Placement(county_cities[0].code)  # 仙桃市 named as the city
            return None
        matches = [d for d in self._named(prefix, county) if not d.is_city]
        if cities:
            under = [d for d in matches if d.code[:4] in {c.code[:4] for c in cities}]
            if len(under) == 1:
                return Placement(under[0].code)
            if len(cities) == 1 and not matches and cities[0].code not in self._with_counties:
                return Placement(cities[0].code, within=county)  # 东莞市 and its towns
        if len(direct) == 1 and not matches:
            return Placement(direct[0].code, within=county)  # 北京市 朝阳区 酒仙桥街道
        if len(matches) == 1:  # under no city, or the named city was not its own
            return Placement(matches[0].code)
        return None

    def _named(self, prefix: str, name: str) -> list[Division]:
        """Divisions in force in the province with that name (placeholders excluded)."""
        if not name or name in _MUNICIPAL:
            return []
        return [
            d for d in self._by_name.get(name, ()) if d.code[:2] == prefix and not d.is_province
        ]

    def _no_city_above(self, division: Division) -> bool:
        """A county-level division directly under a municipality or a province."""
        parent = self._divisions.get(division.code[:4] + "00")
        return parent is None or parent.name in _MUNICIPAL

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


def venue_district(venue_id: str | None, index: DivisionIndex) -> str | None:
    """The district of a venue id, which reads ``<division code>-<local id>``
    (``610113-0042``): what the risk-area rules match a scan against. None when the id
    has no such prefix, or it names no division in force, or a whole province."""
    if not venue_id or len(venue_id) < 7 or venue_id[6] != "-":
        return None
    division = index.get(venue_id[:6])
    return division.code if division and not division.is_province else None
