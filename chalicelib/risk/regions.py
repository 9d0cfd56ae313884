"""City services: a division's risk level, its listed areas, and its entry / return policy.

The level is the highest among the active snapshot's areas inside the division
(a county's own areas, a city's counties, a province's cities). The policy
texts are data officials update (``PUT /v1/admin/regions/{code}/policy``);
a county without its own text shows its city's, then its province's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.colours.ports import FactsSource
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import InvalidInput, NotFound
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import restamp

RANK = {"low": 0, "medium": 1, "high": 2}
DEFAULT_POLICY = (
    "暂无特别的进出政策，请遵守当地防疫规定。"
    "No special entry or return policy; follow local public-health rules."
)


class PolicyTexts(Protocol):
    def get(self, code: str) -> dict[str, Any] | None: ...

    def put(self, code: str, text: str, *, by: str, at: datetime) -> None: ...


@dataclass
class RegionService:
    divisions: Callable[[], DivisionIndex]
    facts: FactsSource
    policies: PolicyTexts
    audit: Audit
    clock: Callable[[], datetime]

    def describe(self, code: str) -> dict[str, Any]:
        index = self.divisions()
        division = index.get(code)
        if division is None:
            raise NotFound("no division with this code in force", code="region_not_found")
        if division.is_province:
            inside = lambda region: region[:2] == code[:2]  # noqa: E731
        elif division.is_city:
            inside = lambda region: region[:4] == code[:4]  # noqa: E731
        else:
            inside = lambda region: region == code  # noqa: E731
        _feed, areas = self.facts.active_risk()
        listed = sorted(
            (a for a in areas if inside(a.region_code)),
            key=lambda a: (-RANK[a.level], a.region_code, a.area),
        )
        level = max((a.level for a in listed), key=RANK.__getitem__, default="low")
        policy = None
        for candidate in (code, code[:4] + "00", code[:2] + "0000"):
            policy = self.policies.get(candidate)
            if policy:
                break
        return {
            "code": code,
            "name": index.display_name(code) or division.name,
            "risk_level": level,
            "risk_areas": [
                {
                    "region_code": a.region_code,
                    "name": index.display_name(a.region_code) or a.region_code,
                    "area": a.area,
                    "level": a.level,
                    "since": a.since,
                }
                for a in listed
            ],
            "policy": (policy or {}).get("text", DEFAULT_POLICY),
            "policy_updated_at": restamp((policy or {}).get("at")),
        }

    def children(self, parent: str | None) -> dict[str, Any]:
        """One level of the division tree for a region picker: the provinces, a
        province's cities, a city's counties (none below a county)."""
        index = self.divisions()
        above = None
        if parent is not None:
            division = index.get(parent)
            if division is None:
                raise NotFound("no division with this code in force", code="region_not_found")
            above = {
                "code": parent,
                "name": index.display_name(parent) or division.name,
                "level": index.level(division),
            }
        return {
            "parent": above,
            "items": [
                {
                    "code": d.code,
                    "name": index.picker_name(d),
                    "level": index.level(d),
                    "has_children": bool(index.children(d.code)),
                }
                for d in index.children(parent)
            ],
        }

    def set_policy(self, official: SessionClaims, code: str, text: str) -> dict[str, Any]:
        if self.divisions().get(code) is None:
            raise NotFound("no division with this code in force", code="region_not_found")
        text = text.strip()
        if not text:
            raise InvalidInput("the policy text must not be blank", field="text")
        now = self.clock()
        before = self.policies.get(code)
        self.policies.put(code, text, by=official.subject, at=now)
        self.audit.append(
            AuditEvent(
                subject_id=f"region:{code}",
                actor=official.subject,
                actor_role=official.role.value,
                action="policy_updated",
                at=now,
                reason=text[:200],
                before={"text": before.get("text")} if before else None,
                after={"text": text},
            )
        )
        return self.describe(code)
