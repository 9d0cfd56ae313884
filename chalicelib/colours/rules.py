"""The colour engine: a pure function of the facts about a person, the policy and the time.

``assess(facts, policy, as_of)`` applies every rule of the table below to the
facts and returns the active reasons, the colour (the worst active reason,
red > yellow > pending > green) and ``valid_until``, the earliest moment at
which the result can change by the passing of time alone.

The facts and the result are value types in ``model.py``. The rule table (SPEC
section 3) is data, in ``table.py`` (``RULES``): the code, the colour, the Chinese and
English texts, and the pop-up action (弹窗) a reason asks of the citizen with what
completes it (``ACTIONS``). The numbers (windows, stay threshold, quarantine lengths)
are in :class:`Policy`, which carries a version that every stored colour records.

Days are counted on the Asia/Shanghai calendar (``chalicelib.kernel.times``): "N days
after E" ends at 00:00 local time on ``date(E) + N``. China has kept UTC+8 without daylight
saving since 1991, so a fixed offset is exact for every date we handle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from chalicelib.colours.model import (
    Assessment,
    Colour,
    DeclarationFacts,
    Facts,
    Reason,
    RequiredAction,
    RiskArea,
    Stay,
    Vaccination,
    VaccinationSummary,
)
from chalicelib.colours.table import ACTIONS, MARK_GROUNDS, RULES, Policy
from chalicelib.kernel import reference_data
from chalicelib.kernel.times import days_after, local_day, local_midnight


def place_names(place: str) -> tuple[str, str]:
    """How a reason names a place, in Chinese and English: a division code by its name in
    force (``610113`` → 西安市雁塔区; English adds the code, there being no English
    names in the table), a country or region by its names (``JP`` → 日本, Japan);
    anything else (a venue's name) as it is."""
    if len(place) == 6 and place.isdigit():
        name = reference_data.divisions().display_name(place)
        return (name, f"{name} {place}") if name else (place, place)
    if len(place) == 2 and place.isalpha() and reference_data.is_country(place):
        return reference_data.country_names(place)
    return place, place


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
    place_zh, place_en = place_names(place)
    params = {"date": on.isoformat() if on else "", "detail": detail}
    text_zh = rule.text_zh.format(place=place_zh, **params)
    text_en = rule.text_en.format(place=place_en, **params)
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
        ends=rule.ends,
        rule=rule.key,
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
    # An approved correction withdraws what the person declared before it (and only
    # that: a fact declared again after it counts again).
    withdrawn: dict[str, datetime] = {}
    for item in (decl, *facts.earlier):
        if item.status == "approved" and item.declared_at <= as_of:
            for fact in item.withdraws:
                withdrawn[fact] = max(withdrawn.get(fact, item.declared_at), item.declared_at)
    for item in (decl, *facts.earlier):
        if item.declared_at > as_of:
            continue
        latest = item is decl

        def stands(fact: str, item: DeclarationFacts = item) -> bool:
            return fact not in withdrawn or withdrawn[fact] < item.declared_at

        if (
            item.contact_with_confirmed
            and item.status == "pending_review"
            and stands("contact_with_confirmed")
        ):
            yield _reason("declared_contact", None, since=item.declared_at)
        if item.symptoms and (latest or item.declared_at >= window_start) and stands("symptoms"):
            cleared = any(
                t.result == "negative" and item.declared_at < t.sampled_at <= as_of
                for t in facts.tests
            )
            if not cleared:
                # An earlier declaration's symptoms count while it is in the window (until
                # 00:00 on its day + window + 1); the latest's until a negative test.
                until = None if latest else days_after(item.declared_at, policy.window_days + 1)
                yield _reason("declared_symptoms", until, since=item.declared_at)
        if item.abroad_14d and stands("abroad_14d"):
            end = days_after(item.declared_at, policy.abroad_days)
            if as_of < end:
                yield _reason("abroad_14d/declared", end, since=item.declared_at)


# The risk facts a person declares against themselves, by the rule each colours with: what
# a correction (a later declaration, or an upheld appeal) may withdraw.
SELF_DECLARED = {
    "abroad_14d/declared": "abroad_14d",
    "declared_contact": "contact_with_confirmed",
    "declared_symptoms": "symptoms",
}
WITHDRAWABLE = tuple(sorted(set(SELF_DECLARED.values())))


def self_declared(reasons: Iterable[Reason], as_of: datetime) -> frozenset[str]:
    """The facts the person's own declarations colour the code with now (WITHDRAWABLE),
    read from the reasons of their colour."""
    return frozenset(
        SELF_DECLARED[r.rule]
        for r in reasons
        if r.rule in SELF_DECLARED and (r.until is None or r.until > as_of)
    )


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


def summarise(vaccinations: Iterable[Vaccination], as_of: datetime) -> VaccinationSummary:
    given = [v for v in vaccinations if v.administered_at <= as_of]
    return VaccinationSummary(
        doses=vaccination_doses(given, as_of),
        last_at=max((v.administered_at for v in given), default=None),
    )
