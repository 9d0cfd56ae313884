"""Response shapes: domain objects → JSON-ready dicts. No storage record passes through."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.codes.service import ShownCode, Verification
from chalicelib.codes.token import PublicKey
from chalicelib.colours.model import Reason, RequiredAction
from chalicelib.colours.rules import pending_action
from chalicelib.declarations.rules import Declaration
from chalicelib.declarations.service import DeclarationOutcome, QueueItem
from chalicelib.federation.service import ConvertedCode
from chalicelib.identity.rules import Session, User
from chalicelib.itinerary.service import ItineraryView
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.paging import Page
from chalicelib.kernel.roles import Role
from chalicelib.kernel.times import local_time, rfc3339
from chalicelib.labs.rules import TestBadge
from chalicelib.labs.service import NearbySite, Report
from chalicelib.officials.rules import Appeal, AuditEvent, MarkRequest
from chalicelib.officials.service import MarkOutcome
from chalicelib.risk.rules import HeldSnapshot
from chalicelib.venues.rules import Checkin, StoredVaccination, VaccinationSummary, Venue
from chalicelib.venues.service import CheckinAnswer

# Every time in an answer: UTC, to the second, with a Z (chalicelib.kernel.times).
iso = rfc3339


def session(result: Session) -> dict[str, Any]:
    return {
        "token": result.token,
        "expires_at": iso(result.expires_at),
        "role": result.role.value,
        "user": {"id": result.user.user_id, "phone_bound": result.user.phone_bound},
    }


def me(user: User, role: Role, new_session: Session | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": user.user_id,
        "role": role.value,
        "phone_bound": user.phone_bound,
        "phone_masked": user.phone_masked,
        "channels": list(user.channels),
    }
    if new_session is not None:  # the login joined another account: use this token from now
        view["session"] = session(new_session)
    return view


def _maybe_iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def reason(item: Reason) -> dict[str, Any]:
    return {
        "code": item.code,
        "colour": item.colour.value,
        "text": item.text_zh,
        "text_en": item.text_en,
        "until": _maybe_iso(item.until),
        "required_action": required_action(item.action),
    }


def required_action(action: RequiredAction | None) -> dict[str, Any] | None:
    if action is None:
        return None
    return {"code": action.code, "text": action.text_zh, "text_en": action.text_en}


def vaccination(summary: VaccinationSummary | None) -> dict[str, Any] | None:
    if summary is None or not summary.doses:
        return None
    return {"doses": summary.doses, "last_at": _maybe_iso(summary.last_at)}


def declared(outcome: DeclarationOutcome) -> dict[str, Any]:
    assessment = outcome.assessment
    return {
        "id": outcome.declaration.declaration_id,
        "status": outcome.declaration.status,
        "colour": assessment.colour.value,
        "reasons": [reason(r) for r in assessment.reasons],
        "valid_until": _maybe_iso(assessment.valid_until),
        "review_reasons": list(outcome.declaration.review_reasons),
        "person": outcome.declaration.person_id,
    }


def declaration(item: Declaration) -> dict[str, Any]:
    return {
        "id": item.declaration_id,
        "status": item.status,
        "created_at": iso(item.created_at),
        "symptoms": list(item.symptoms),
        "contact_with_confirmed": item.contact_with_confirmed,
        "abroad_14d": item.abroad_14d,
        "residence_region": item.residence_region,
        "review_reasons": list(item.review_reasons),
        "review_note": item.review_note,
        "reviewed_at": _maybe_iso(item.reviewed_at),
    }


def page(result: Page[Any], convert: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [convert(item) for item in result.items], "cursor": result.cursor}


def review_item(item: QueueItem) -> dict[str, Any]:
    d, person = item.declaration, item.person
    return {
        "id": d.declaration_id,
        "submitted_at": iso(d.created_at),
        "review_reasons": list(d.review_reasons),
        "person": {
            "id": d.person_id,
            "name_masked": person.name_masked if person else None,
            "id_masked": person.id_masked if person else None,
        },
        "answers": {
            "symptoms": list(d.symptoms),
            "contact_with_confirmed": d.contact_with_confirmed,
            "abroad_14d": d.abroad_14d,
            "residence_region": d.residence_region,
        },
    }


def reviewed(outcome: DeclarationOutcome) -> dict[str, Any]:
    return {
        "id": outcome.declaration.declaration_id,
        "status": outcome.declaration.status,
        "colour": outcome.assessment.colour.value,
        "reasons": [reason(r) for r in outcome.assessment.reasons],
    }


def mark(item: MarkRequest) -> dict[str, Any]:
    return {"id": item.mark_id, "state": item.state, "status": item.status}


def mark_item(item: MarkRequest) -> dict[str, Any]:
    return {
        **mark(item),
        "category": item.category,
        "note": item.note,
        "contact_date": item.contact_date.isoformat() if item.contact_date else None,
        "person": item.person_id,
        "requested_by": item.requested_by,
        "requested_at": iso(item.requested_at),
    }


def mark_outcome(outcome: MarkOutcome) -> dict[str, Any]:
    return {
        **mark(outcome.mark),
        "people_recoloured": len(outcome.recoloured),
        "colours": [
            {"person": person_id, "colour": a.colour.value, "reasons": [r.code for r in a.reasons]}
            for person_id, a in outcome.recoloured
        ],
    }


def appeal(item: Appeal) -> dict[str, Any]:
    return {
        "id": item.appeal_id,
        "state": item.state,
        "reason": item.text,
        "colour": item.colour,
        "created_at": iso(item.created_at),
        "answer": item.answer,
        "answered_at": _maybe_iso(item.answered_at),
    }


def audit_event(item: AuditEvent) -> dict[str, Any]:
    return {
        "id": item.event_id,
        "at": iso(item.at),
        "actor": item.actor,
        "actor_role": item.actor_role,
        "action": item.action,
        "subject": item.subject_id,
        "reason": item.reason,
        "before": item.before,
        "after": item.after,
    }


def code(shown: ShownCode) -> dict[str, Any]:
    assessment = shown.stored.assessment
    return {
        "colour": assessment.colour.value,
        "reasons": [reason(r) for r in assessment.reasons],
        "issued_at": iso(shown.claims.issued_at),
        "expires_at": iso(shown.claims.expires_at),
        "valid_until": _maybe_iso(assessment.valid_until),
        "token": shown.token,
        "holder": {"name_masked": shown.stored.name_masked, "id_masked": shown.stored.id_masked},
        "policy_version": assessment.policy_version,
        "feed_id": assessment.feed_id,
        "latest_test": test_badge(shown.latest_test),
        "required_action": _pending(assessment.reasons),
        "vaccination": vaccination(shown.stored.vaccination),
    }


def _pending(reasons: Any) -> dict[str, Any] | None:
    first = pending_action(reasons)
    return required_action(first.action) if first is not None else None


def test_badge(latest: TestBadge | None) -> dict[str, Any] | None:
    if latest is None:
        return None
    return {
        "result": latest.result,
        "sampled_at": iso(latest.sampled_at),
        "lab": latest.lab,
        "badge": latest.badge,
    }


def test_report(report: Report) -> dict[str, Any]:
    r = report.result
    return {
        "sample_id": r.sample_id,
        "lab": r.lab,
        "result": r.result,
        "sampled_at": iso(r.sampled_at),
        "reported_at": iso(r.reported_at),
        "badge": report.badge,
    }


def test_site(nearby: NearbySite) -> dict[str, Any]:
    site = nearby.site
    return {
        "site_id": site.site_id,
        "name": site.name,
        "address": site.address,
        "region_code": site.region_code,
        "lat": site.lat,
        "lng": site.lng,
        "hours": site.hours,
        "distance_m": nearby.distance_m,
    }


def public_key(key: PublicKey) -> dict[str, Any]:
    return {
        "kid": key.kid.hex(),
        "alg": "EdDSA",
        "public_key": base64.urlsafe_b64encode(key.key).rstrip(b"=").decode(),
        "region": key.region,
        "not_after": _maybe_iso(key.not_after),
    }


def verification(result: Verification) -> dict[str, Any]:
    view: dict[str, Any] = {
        "valid": result.valid,
        "colour": result.colour.value if result.colour else None,
        "token_colour": result.token_colour.value if result.token_colour else None,
        "holder": None,
        "issued_at": _maybe_iso(result.issued_at),
        "expires_at": _maybe_iso(result.expires_at),
        "region": result.region,
        "issuer": result.issuer,
        "converted_from": result.converted_from,
        "itinerary_starred": result.starred,
        "latest_test": test_badge(result.latest_test),
        "action_pending": None,
        "vaccination": None,
    }
    if result.kind is not None:
        view["kind"] = result.kind  # printed: the colour above is the online one
    if result.reason:
        view["reason"] = result.reason
    if result.stored is not None:  # masked only; never the reasons, which are the citizen's
        view["holder"] = {
            "name_masked": result.stored.name_masked,
            "id_masked": result.stored.id_masked,
        }
        # That an action is pending, never which one or why: reasons are the citizen's.
        view["action_pending"] = pending_action(result.stored.assessment.reasons) is not None
        view["vaccination"] = vaccination(result.stored.vaccination)
    return view


CARD_NOTE = (
    "行程卡仅提示14天内到访地，不作为健康码颜色判定依据。"
    "The card reminds you where you have been; it assigns no health colour."
)


def itinerary(
    view: ItineraryView, divisions: DivisionIndex, country_names: Callable[[str], tuple[str, str]]
) -> dict[str, Any]:
    countries = []
    for country in view.card.countries:
        zh, en = country_names(country.code)
        countries.append({"code": country.code, "name": zh, "name_en": en})
    return {
        "phone_masked": view.phone_masked,
        "window_days": view.policy.window_days,
        "min_stay_hours": view.policy.min_stay_hours,
        "updated_at": _maybe_iso(view.updated_at),
        "countries": countries,
        "cities": [
            {
                "region_code": c.region_code,
                "name": divisions.display_name(c.region_code) or c.region_code,
                "starred": c.starred,
            }
            for c in view.card.cities
        ],
        "note": CARD_NOTE,
    }


# --- mutual recognition ----------------------------------------------------------------


def trust_list_loaded(report: dict[str, Any]) -> dict[str, Any]:
    return {**report, "issued_at": iso(report["issued_at"])}


def converted(result: ConvertedCode) -> dict[str, Any]:
    conversion = result.conversion
    return {
        "conversion_id": conversion.holder_id,
        "colour": result.claims.colour.value,
        "token": result.token,
        "issued_at": iso(result.claims.issued_at),
        "expires_at": iso(result.claims.expires_at),
        "region": result.claims.region,
        "source": {
            "region": conversion.source_region,
            "issuer": result.source_issuer,
            "colour": conversion.colour.value,
            "expires_at": iso(conversion.source_expires_at),
        },
    }


# --- venue codes, check-ins, vaccinations (issue 17) ---------------------------------------


def venue(item: Venue, *, with_token: bool = True) -> dict[str, Any]:
    d = item.details
    base = f"/v1/venues/{item.venue_id}/poster"
    view: dict[str, Any] = {
        "id": item.venue_id,
        "name": d.name,
        "address": d.address,
        "region_code": d.region_code,
        "lat": d.lat,
        "lng": d.lng,
        "kind": d.kind,
        "generation": item.generation,
        "created_at": iso(item.created_at),
        "reissued_at": _maybe_iso(item.reissued_at),
        "posters": {"png": f"{base}.png", "svg": f"{base}.svg", "pdf": f"{base}.pdf"},
    }
    if with_token:
        view["token"] = item.token
    return view


def _checkin_venue(item: Checkin) -> dict[str, Any]:
    return {"id": item.venue_id, "name": item.venue_name, "region_code": item.region_code}


def checkin_answer(answer: CheckinAnswer) -> dict[str, Any]:
    item, stored = answer.checkin, answer.stored
    return {
        "id": item.checkin_id,
        "at": iso(item.at),
        "local_time": local_time(item.at).strftime("%Y-%m-%d %H:%M:%S"),
        "venue": {**_checkin_venue(item), "kind": answer.venue.details.kind},
        "person": item.person_id,
        "colour": stored.assessment.colour.value,
        "holder": {"name_masked": stored.name_masked, "id_masked": stored.id_masked},
        "latest_test": test_badge(answer.latest_test),
        "vaccination": vaccination(stored.vaccination),
        "required_action": required_action(answer.action.action) if answer.action else None,
    }


def checkin_item(item: Checkin) -> dict[str, Any]:
    return {
        "id": item.checkin_id,
        "at": iso(item.at),
        "venue": _checkin_venue(item),
        "person": item.person_id,
        "colour": item.colour,
    }


def vaccinations(records: list[StoredVaccination], summary: VaccinationSummary) -> dict[str, Any]:
    return {
        "vaccination": vaccination(summary),
        "items": [
            {
                "record_id": r.record_id,
                "dose_number": r.dose_number,
                "vaccine": r.vaccine,
                "administered_at": iso(r.administered_at),
                "site": r.site,
            }
            for r in records
        ],
    }


def held_feeds(result: Page[HeldSnapshot], reviews: list[dict[str, Any]]) -> dict[str, Any]:
    items = []
    for held, review in zip(result.items, reviews, strict=True):
        snapshot = held.snapshot
        items.append(
            {
                "feed_id": snapshot.feed_id,
                "source": snapshot.source,
                "published_at": iso(snapshot.published_at),
                "stored_at": iso(held.stored_at),
                "areas": len(snapshot.areas),
                "unresolved": len(snapshot.unresolved),
                **review,
            }
        )
    return {"items": items, "cursor": result.cursor}
