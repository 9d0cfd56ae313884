"""The colour engine: a pure function of the facts about a person, the policy and the time.

``assess(facts, policy, as_of)`` applies every rule of the table below to the
facts and returns the active reasons, the colour (the worst active reason,
red > yellow > pending > green) and ``valid_until``, the earliest moment at
which the result can change by the passing of time alone.

The facts and the result are value types in ``model.py``. The rule table (SPEC
section 3) lives here as data, in ``RULES``: the code, the colour, the Chinese and
English texts, and the pop-up action (弹窗) a reason asks of the citizen with what
completes it (``ACTIONS``). The numbers (windows, stay threshold, quarantine lengths)
are in :class:`Policy`, which carries a version that every stored colour records.

Days are counted on the Asia/Shanghai calendar (``chalicelib.kernel.times``): "N days
after E" ends at 00:00 local time on ``date(E) + N``. China has kept UTC+8 without daylight
saving since 1991, so a fixed offset is exact for every date we handle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from chalicelib.colours.model import (
    Assessment,
    Colour,
    Facts,
    Reason,
    RequiredAction,
    RiskArea,
    Stay,
    Vaccination,
)
from chalicelib.kernel.times import days_after, local_day, local_midnight

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


@dataclass(frozen=True)
class Rule:
    code: str
    colour: Colour
    text_zh: str
    text_en: str
    variant: str = ""
    action: str = ""  # a key of ACTIONS: the pop-up this reason shows
    done_by: str = ""  # one of DONE_BY: what completes the action

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
        ),
        Rule(
            "declared_symptoms",
            Colour.YELLOW,
            "申报有发热或呼吸道等症状，需在申报后进行核酸检测且结果为阴性",
            "Declared fever or respiratory symptoms; a negative test taken after the "
            "declaration clears this",
            action="take_test_within_24h",
            done_by="negative_test",
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
        ),
        Rule(
            "high_risk_area_stay",
            Colour.YELLOW,
            "14天内在有高风险区的城市（{place}）停留超过4小时",
            "Stayed over 4 hours in a city with a high-risk area ({place}) in the last 14 days",
            variant="city",
            action="report_itinerary",
            done_by="declaration",
        ),
        Rule(
            "medium_risk_area_stay",
            Colour.YELLOW,
            "7天内到访、居住或停留于中风险区或其所在城市（{place}）",
            "Visited, lives in, or stayed in the city of a medium-risk area ({place}) "
            "in the last 7 days",
            action="report_itinerary",
            done_by="declaration",
        ),
        Rule(
            "positive_test",
            Colour.RED,
            "核酸检测结果为阳性（采样日期 {date}）",
            "Positive nucleic-acid test (sampled on {date})",
            action="call_hotline",
        ),
        Rule(
            "pending_review", Colour.PENDING, "申报正在审核中", "Your declaration is being reviewed"
        ),
        Rule(
            "partner_region_status",
            Colour.RED,
            "互认地区（{place}）通报为红码{detail}",
            "Partner region {place} reports a red code{detail}",
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
        ),
        Rule(
            "vaccination_incomplete",
            Colour.YELLOW,
            "新冠疫苗接种剂次不足（已接种 {detail} 剂）",
            "Fewer COVID-19 vaccine doses than the policy requires ({detail} given)",
        ),
        Rule("no_declaration", Colour.PENDING, "尚未完成健康申报", "No health declaration yet"),
        Rule(
            "declaration_rejected",
            Colour.PENDING,
            "健康申报未通过审核，请重新申报",
            "Your declaration was not approved; please declare again",
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


def _reason(
    key: str,
    until: datetime | None,
    *,
    since: datetime | None = None,
    place: str = "",
    on: date | None = None,
    grounds: str = "",
    detail: str = "",
) -> Reason:
    rule = RULES[key]
    params = {"place": place, "date": on.isoformat() if on else "", "detail": detail}
    text_zh, text_en = rule.text_zh.format(**params), rule.text_en.format(**params)
    if grounds in MARK_GROUNDS:  # an official mark is shown with its epidemic reason
        zh, en = MARK_GROUNDS[grounds]
        text_zh, text_en = f"{text_zh}；依据：{zh}", f"{text_en}; grounds: {en}"
    action = None
    if rule.action:
        zh, en = ACTIONS[rule.action]
        action = RequiredAction(code=rule.action, text_zh=zh, text_en=en, done_by=rule.done_by)
    return Reason(
        code=rule.code,
        colour=rule.colour,
        text_zh=text_zh,
        text_en=text_en,
        until=until,
        since=since,
        action=action,
    )


# --- the rules ------------------------------------------------------------------


def _official(facts: Facts, as_of: datetime, policy: Policy) -> Iterable[Reason]:
    marks = sorted(facts.marks, key=lambda m: m.effective_at)
    # Only a clear that has taken effect by ``as_of`` counts (a replay at an earlier
    # moment must not see a later clear).
    cleared_at = max(
        (m.effective_at for m in marks if m.status == "cleared" and m.effective_at <= as_of),
        default=None,
    )
    for mark in marks:
        if mark.status == "cleared" or (cleared_at and mark.effective_at <= cleared_at):
            continue
        if mark.effective_at > as_of:
            continue
        if mark.status == "confirmed":
            yield _reason("status_confirmed", None, since=mark.effective_at, grounds=mark.category)
        elif mark.status in ("close_contact", "secondary_contact"):
            close = mark.status == "close_contact"
            days = policy.close_contact_days if close else policy.secondary_contact_days
            # An approved mark is never ignored: without a contact date, count from the
            # local day the mark took effect (the latest the contact can have been).
            contact_date = mark.contact_date or local_day(mark.effective_at)
            end = local_midnight(contact_date, days)
            if close:
                # 14 days from the contact *and* a negative test sampled after the contact
                # day (the contact's hour is unknown, so the day after at the earliest).
                after = local_midnight(contact_date, 1)
                tested = any(
                    t.result == "negative" and after <= t.sampled_at <= as_of for t in facts.tests
                )
                if as_of < end or not tested:
                    yield _reason(
                        "status_close_contact",
                        end if tested else None,
                        since=mark.effective_at,
                        on=contact_date,
                        grounds=mark.category,
                    )
            elif as_of < end:
                yield _reason(
                    "status_secondary_contact",
                    end,
                    since=mark.effective_at,
                    on=contact_date,
                    grounds=mark.category,
                )


def _positive_tests(facts: Facts, as_of: datetime) -> Iterable[Reason]:
    cleared_at = max(
        (m.effective_at for m in facts.marks if m.status == "cleared" and m.effective_at <= as_of),
        default=None,
    )
    positives = [
        t
        for t in facts.tests
        if t.result == "positive"
        and t.sampled_at <= as_of
        and (cleared_at is None or t.sampled_at > cleared_at)
    ]
    if positives:
        latest = max(positives, key=lambda t: t.sampled_at)
        yield _reason(
            "positive_test", None, since=latest.sampled_at, on=local_day(latest.sampled_at)
        )


def _declaration(facts: Facts, as_of: datetime, policy: Policy) -> Iterable[Reason]:
    decl = facts.declaration
    if decl is None:
        yield _reason("no_declaration", None)
        return
    if decl.status == "rejected":
        # The code waits for a new declaration, but a rejection never hides what the
        # citizen declared against themselves (symptoms, abroad, residence).
        yield _reason("declaration_rejected", None, since=decl.reviewed_at)
    if decl.status == "pending_review":
        yield _reason("pending_review", None, since=decl.declared_at)
    window_start = days_after(as_of, -policy.window_days)
    for item in (decl, *facts.earlier):
        if item.declared_at > as_of:
            continue
        latest = item is decl
        if item.contact_with_confirmed and item.status == "pending_review":
            yield _reason("declared_contact", None, since=item.declared_at)
        if item.symptoms and (latest or item.declared_at >= window_start):
            cleared = any(
                t.result == "negative" and item.declared_at < t.sampled_at <= as_of
                for t in facts.tests
            )
            if not cleared:
                # An earlier declaration's symptoms count while it is in the window (until
                # 00:00 on its day + window + 1); the latest's until a negative test.
                until = None if latest else days_after(item.declared_at, policy.window_days + 1)
                yield _reason("declared_symptoms", until, since=item.declared_at)
        if item.abroad_14d:
            end = days_after(item.declared_at, policy.abroad_days)
            if as_of < end:
                yield _reason("abroad_14d/declared", end, since=item.declared_at)


def is_outside_mainland(place: str) -> bool:
    return len(place) == 2 and place.isalpha() and place.upper() != "CN"


def _abroad_stays(facts: Facts, as_of: datetime, policy: Policy) -> Iterable[Reason]:
    for stay in facts.stays:
        if stay.kind != "country" or not is_outside_mainland(stay.place):
            continue
        if stay.entered_at > as_of:
            continue
        end = days_after(min(stay.left_at, as_of), policy.abroad_days)
        if as_of < end:
            yield _reason("abroad_14d", end, since=stay.entered_at, place=stay.place.upper())


def city_of(region_code: str) -> str:
    """The city (prefecture) code of a county code: ``610113`` → ``610100``."""
    return region_code[:4] + "00"


def merged_duration(intervals: Iterable[tuple[datetime, datetime]]) -> timedelta:
    """The length of the union of intervals: the same hours sent twice count once."""
    total = timedelta(0)
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return total


def _window_time(stays: Sequence[Stay], start: datetime, end: datetime) -> timedelta:
    """The time the stays spent between ``start`` and ``end`` (exact, overlaps once)."""
    return merged_duration((max(stay.entered_at, start), min(stay.left_at, end)) for stay in stays)


def _risk(facts: Facts, as_of: datetime, policy: Policy) -> Iterable[Reason]:
    decl = facts.declaration
    residence = decl.residence_region if decl else None
    for level, code_area, code_city, days in (
        ("high", "high_risk_area_stay", "high_risk_area_stay/city", policy.high_risk_days),
        ("medium", "medium_risk_area_stay", "medium_risk_area_stay", policy.medium_risk_days),
    ):
        areas = [a for a in facts.risk_areas if a.level == level and a.since <= as_of]
        if not areas:
            continue
        # One area per county: the earliest ``since`` (the feed may list a county twice).
        county_areas: dict[str, RiskArea] = {}
        for listed in sorted(areas, key=lambda a: a.since, reverse=True):
            county_areas[listed.region_code] = listed
        # Residence inside a risk area: as long as the area stands.
        if residence and residence in county_areas:
            yield _reason(code_area, None, since=county_areas[residence].since, place=residence)
        # Venue scans inside a risk area after it was declared one.
        for scan in facts.scans:
            area = county_areas.get(scan.region_code)
            if area is None or not area.since <= scan.at <= as_of:
                continue
            end = days_after(scan.at, days)
            if as_of < end:
                yield _reason(code_area, end, since=scan.at, place=scan.region_code)
        # Itinerary: more than the threshold in a city that had such an area then.
        by_city: dict[str, list[RiskArea]] = {}
        for area in areas:
            by_city.setdefault(city_of(area.region_code), []).append(area)
        threshold = timedelta(hours=policy.min_stay_hours)
        for city, city_areas in by_city.items():
            since = min(a.since for a in city_areas)
            relevant = [
                s
                for s in facts.stays
                if s.kind == "city"
                and s.place == city
                and s.left_at > since
                and s.entered_at <= as_of
            ]
            until = _city_stay_until(relevant, since, as_of, days, threshold)
            if until is not None:
                last = max(min(s.left_at, as_of) for s in relevant)
                yield _reason(code_city, until, since=last, place=city)


def _city_stay_until(
    stays: Sequence[Stay], since: datetime, as_of: datetime, days: int, threshold: timedelta
) -> datetime | None:
    """When a city-level stay stops counting; None if it does not count at ``as_of``.

    It counts while the time spent in the city since the area existed, inside the
    window of the last ``days`` local days, exceeds the threshold, and ends ``days``
    after the last stay. As the window's start moves (at each local midnight) older
    stays slide out of it, so it can end earlier: at the first local midnight where
    what is left no longer exceeds the threshold. Only what is known at ``as_of``
    counts.
    """

    def counts(moment: datetime) -> bool:
        start = max(since, days_after(moment, -days))
        return _window_time(stays, start, as_of) > threshold

    if not stays or not counts(as_of):
        return None
    end = days_after(max(min(s.left_at, as_of) for s in stays), days)
    if as_of >= end:
        return None
    midnight = days_after(as_of, 1)
    while midnight < end:
        if not counts(midnight):
            return midnight
        midnight = days_after(midnight, 1)
    return end


def _partner_statuses(facts: Facts, as_of: datetime) -> Iterable[Reason]:
    """A partner region's red or yellow, until its ``valid_until``. Green adds nothing:
    it can only end the partner's own earlier word (a newer attestation replaces it),
    never hide a local reason, since the colour is the worst reason."""
    for status in facts.partner_statuses:
        if status.colour not in (Colour.RED, Colour.YELLOW):
            continue
        if not status.attested_at <= as_of < status.valid_until:
            continue
        key = "partner_region_status" + ("" if status.colour is Colour.RED else "/yellow")
        detail = f" ({', '.join(status.reasons)})" if status.reasons else ""
        yield _reason(
            key, status.valid_until, since=status.attested_at, place=status.region, detail=detail
        )


def _venue_exposures(facts: Facts, as_of: datetime, policy: Policy) -> Iterable[Reason]:
    """A co-location contact: yellow until ``venue_exposure_days`` after the visit, or a
    negative test sampled after the visit. Lifting the case removes the fact itself."""
    for exposure in facts.exposures:
        if exposure.at > as_of:
            continue
        end = days_after(exposure.at, policy.venue_exposure_days)
        if as_of >= end:
            continue
        if any(t.result == "negative" and exposure.at < t.sampled_at <= as_of for t in facts.tests):
            continue
        yield _reason(
            "venue_exposure",
            end,
            since=exposure.at,
            place=exposure.venue_name or exposure.venue_id,
            on=local_day(exposure.at),
        )


def vaccination_doses(vaccinations: Iterable[Vaccination], as_of: datetime) -> int:
    """Doses given by ``as_of``: distinct dose numbers (a record sent twice counts once)."""
    return len({v.dose_number for v in vaccinations if v.administered_at <= as_of})


def _vaccination(facts: Facts, as_of: datetime, policy: Policy) -> Iterable[Reason]:
    """Off unless the policy requires doses (``vaccination_required_doses`` > 0)."""
    if policy.vaccination_required_doses <= 0:
        return
    doses = vaccination_doses(facts.vaccinations, as_of)
    if doses < policy.vaccination_required_doses:
        yield _reason("vaccination_incomplete", None, detail=str(doses))


def action_done(
    action: RequiredAction, since: datetime | None, facts: Facts, as_of: datetime
) -> bool:
    """Whether the citizen has done what the pop-up asks, after the reason began."""
    if since is None or not action.done_by:
        return False
    if action.done_by == "negative_test":
        return any(t.result == "negative" and since < t.sampled_at <= as_of for t in facts.tests)
    return any(since < moment <= as_of for moment in facts.declared_at)


def _pending_actions(reasons: Iterable[Reason], facts: Facts, as_of: datetime) -> list[Reason]:
    return [
        replace(r, action=None)
        if r.action is not None and action_done(r.action, r.since, facts, as_of)
        else r
        for r in reasons
    ]


def pending_action(reasons: Iterable[Reason]) -> Reason | None:
    """The reason whose pop-up shows first: the worst colour, then the earliest start."""
    with_action = [r for r in reasons if r.action is not None]
    if not with_action:
        return None
    far = datetime.max.replace(tzinfo=UTC)
    return min(with_action, key=lambda r: (-r.colour.severity, r.since or far, r.code))


# --- the assessment -----------------------------------------------------------


def assess(facts: Facts, policy: Policy, as_of: datetime) -> Assessment:
    """Apply every rule; the colour is the worst active reason."""
    reasons = [
        *_official(facts, as_of, policy),
        *_positive_tests(facts, as_of),
        *_declaration(facts, as_of, policy),
        *_abroad_stays(facts, as_of, policy),
        *_risk(facts, as_of, policy),
        *_partner_statuses(facts, as_of),
        *_venue_exposures(facts, as_of, policy),
        *_vaccination(facts, as_of, policy),
    ]
    reasons = _pending_actions(_dedupe(reasons), facts, as_of)
    reasons.sort(
        key=lambda r: (-r.colour.severity, r.code, r.until or datetime.max.replace(tzinfo=UTC))
    )
    colour = max((r.colour for r in reasons), key=lambda c: c.severity, default=Colour.GREEN)
    ends = [r.until for r in reasons if r.until is not None]
    return Assessment(
        colour=colour,
        reasons=tuple(reasons),
        valid_until=min(ends) if ends else None,
        policy_version=policy.version,
        feed_id=facts.feed_id,
        as_of=as_of,
    )


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    """One reason per (code, colour, text): the one that lasts longest."""
    best: dict[tuple[str, Colour, str], Reason] = {}
    for reason in reasons:
        key = (reason.code, reason.colour, reason.text_en)
        current = best.get(key)
        if current is None or _lasts_longer(reason, current):
            best[key] = reason
    return list(best.values())


def _lasts_longer(a: Reason, b: Reason) -> bool:
    if a.until is None:
        return b.until is not None
    return b.until is not None and a.until > b.until
