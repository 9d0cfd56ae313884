"""The rule table (SPEC section 3) as data: every reason's code, colour, Chinese and English
texts and pop-up action (``RULES``, ``ACTIONS``), the official statuses and the grounds a
mark must name, and the numbers of the rules (:class:`Policy`, versioned so that a
stored colour can be replayed). ``rules.py`` applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.colours.model import (
    Colour,
)

# The pop-up actions (弹窗) a reason may ask for, with their texts. What completes each
# is per rule (``Rule.done_by``): ``negative_test`` (a negative sampled after the reason
# began), ``declaration`` (a declaration made after it began), or "" (nothing the citizen
# does: the action stands while the reason does).
ACTIONS: dict[str, tuple[str, str]] = {
    "report_itinerary": (
        "请如实申报近14天行程（重新提交健康申报）",
        "Report your itinerary of the last 14 days (declare again)",
    ),
    "take_test_within_24h": (
        "请于24小时内完成核酸检测",
        "Take a nucleic-acid test within 24 hours",
    ),
    "call_hotline": (
        "请立即拨打12320卫生健康热线，听从防疫人员安排",
        "Call the health hotline 12320 now and follow the health workers' instructions",
    ),
}
DONE_BY = ("negative_test", "declaration", "")
# How a reason with no end date ends (the wire's ``ends`` when ``until`` is null; a dated
# reason's is ``date``): what the citizen can expect instead of a date.
ENDS = (
    "date",  # at ``until``
    "area_lifted",  # when the risk area is lifted
    "negative_test",  # with a negative test sampled after the reason began
    "review",  # when a reviewer decides
    "declaration",  # with a new declaration
    "official",  # when health officials clear it
    "vaccination",  # with the doses the policy asks for
)


@dataclass(frozen=True)
class Rule:
    code: str
    colour: Colour
    text_zh: str
    text_en: str
    variant: str = ""
    action: str = ""  # a key of ACTIONS: the pop-up this reason shows
    done_by: str = ""  # one of DONE_BY: what completes the action
    ends: str = "official"  # one of ENDS: how the reason ends when it has no date

    @property
    def key(self) -> str:
        return f"{self.code}/{self.variant}" if self.variant else self.code


# The rule table, in one place. Texts may name {place} and {date}. A code may
# have variants with another colour (a city-level stay is yellow where a
# venue or residence in the same high-risk area is red).
RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            "status_confirmed",
            Colour.RED,
            "经卫生健康部门确认为确诊、疑似或无症状感染者",
            "Marked by health officials as a confirmed, suspected or asymptomatic case",
            action="call_hotline",
        ),
        Rule(
            "status_close_contact",
            Colour.RED,
            "经卫生健康部门判定为密切接触者（接触日期 {date}）",
            "Marked by health officials as a close contact (contact on {date})",
            ends="negative_test",
        ),
        Rule(
            "status_secondary_contact",
            Colour.YELLOW,
            "经卫生健康部门判定为密接的密接（接触日期 {date}）",
            "Marked by health officials as a secondary contact (contact on {date})",
        ),
        Rule(
            "declared_contact",
            Colour.RED,
            "申报与确诊病例有接触，待审核",
            "Declared contact with a confirmed case; awaiting review",
            ends="review",
        ),
        Rule(
            "declared_symptoms",
            Colour.YELLOW,
            "申报有发热或呼吸道等症状，需在申报后进行核酸检测且结果为阴性",
            "Declared fever or respiratory symptoms; a negative test taken after the "
            "declaration clears this",
            action="take_test_within_24h",
            done_by="negative_test",
            ends="negative_test",
        ),
        Rule(
            "abroad_14d",
            Colour.RED,
            "14天内有境外（{place}）旅居史",
            "Outside the mainland ({place}) in the last 14 days",
            action="report_itinerary",
            done_by="declaration",
        ),
        Rule(
            "abroad_14d",
            Colour.RED,
            "申报14天内有境外旅居史",
            "Declared a stay outside the mainland in the last 14 days",
            variant="declared",
        ),
        Rule(
            "high_risk_area_stay",
            Colour.RED,
            "14天内到访或居住在高风险区（{place}）",
            "Visited or lives in a high-risk area ({place}) in the last 14 days",
            ends="area_lifted",
        ),
        Rule(
            "high_risk_area_stay",
            Colour.YELLOW,
            "14天内在有高风险区的城市（{place}）停留超过4小时",
            "Stayed over 4 hours in a city with a high-risk area ({place}) in the last 14 days",
            variant="city",
            action="report_itinerary",
            done_by="declaration",
            ends="area_lifted",
        ),
        Rule(
            "medium_risk_area_stay",
            Colour.YELLOW,
            "7天内到访、居住或停留于中风险区或其所在城市（{place}）",
            "Visited, lives in, or stayed in the city of a medium-risk area ({place}) "
            "in the last 7 days",
            action="report_itinerary",
            done_by="declaration",
            ends="area_lifted",
        ),
        Rule(
            "positive_test",
            Colour.RED,
            "核酸检测结果为阳性（采样日期 {date}）",
            "Positive nucleic-acid test (sampled on {date})",
            action="call_hotline",
        ),
        Rule(
            "pending_review",
            Colour.PENDING,
            "申报正在审核中",
            "Your declaration is being reviewed",
            ends="review",
        ),
        Rule(
            "partner_region_status",
            Colour.RED,
            "互认地区（{place}）通报为红码{detail}",
            "Partner region {place} reports a red code{detail}",
            ends="official",
        ),
        Rule(
            "partner_region_status",
            Colour.YELLOW,
            "互认地区（{place}）通报为黄码{detail}",
            "Partner region {place} reports a yellow code{detail}",
            variant="yellow",
        ),
        Rule(
            "venue_exposure",
            Colour.YELLOW,
            "{date}到访的场所（{place}）与确诊病例时空伴随，需在到访后进行核酸检测且结果为阴性",
            "At a venue ({place}) on {date} at the same time as a confirmed case; a negative "
            "test sampled after the visit clears this",
            action="take_test_within_24h",
            done_by="negative_test",
            ends="negative_test",
        ),
        Rule(
            "vaccination_incomplete",
            Colour.YELLOW,
            "新冠疫苗接种剂次不足（已接种 {detail} 剂）",
            "Fewer COVID-19 vaccine doses than the policy requires ({detail} given)",
            ends="vaccination",
        ),
        Rule(
            "no_declaration",
            Colour.PENDING,
            "尚未完成健康申报",
            "No health declaration yet",
            ends="declaration",
        ),
        Rule(
            "declaration_rejected",
            Colour.PENDING,
            "健康申报未通过审核，请重新申报",
            "Your declaration was not approved; please declare again",
            ends="declaration",
        ),
    )
}

OFFICIAL_STATUSES = ("confirmed", "close_contact", "secondary_contact", "cleared")
# The epidemic reasons an official mark must name, as the citizen reads them. No other
# ground exists: a colour cannot be set for any purpose outside this list.
MARK_GROUNDS: dict[str, tuple[str, str]] = {
    "case_report": ("病例报告", "case report"),
    "contact_tracing": ("流行病学调查", "contact tracing"),
    "lab_result": ("实验室检测结果", "laboratory result"),
    "quarantine_order": ("隔离管控决定", "quarantine order"),
    "correction": ("更正此前的判定", "correction of an earlier mark"),
}
# Places outside the mainland that count as abroad although not foreign countries.
OUTSIDE_MAINLAND_REGIONS = ("HK", "MO", "TW")


@dataclass(frozen=True)
class Policy:
    """The numbers of the rules, versioned so a stored colour can be replayed."""

    version: str = "2026.12-1"
    window_days: int = 14
    min_stay_hours: float = 4.0
    close_contact_days: int = 14
    secondary_contact_days: int = 7
    high_risk_days: int = 14
    medium_risk_days: int = 7
    abroad_days: int = 14
    # Co-location (时空伴随): a visit within this many hours of a confirmed case's visit at
    # the same venue makes a contact; the case's visits of the last ``window_days`` count.
    venue_exposure_window_hours: float = 2.0
    venue_exposure_days: int = 14
    # Vaccination changes no colour unless this is above 0: fewer doses than this is
    # yellow (``vaccination_incomplete``). Off by default.
    vaccination_required_doses: int = 0


def ended_by(code: str) -> str:
    """How a reason of ``code`` ends when it has no date (a colour stored before reasons
    recorded it): its rule's, the first variant's."""
    for rule in RULES.values():
        if rule.code == code:
            return rule.ends
    return "official"


def rule_of(code: str, text_zh: str) -> str:
    """The rule key of a reason stored before reasons recorded it: its code, or the
    variant whose text it reads (the texts of a code's variants differ in their words)."""
    for rule in RULES.values():
        if rule.code == code and rule.variant:
            pattern = ".*".join(re.escape(p) for p in re.split(r"\{\w+\}", rule.text_zh))
            if re.match(pattern, text_zh):
                return rule.key
    return code
