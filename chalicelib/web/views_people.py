"""Response views of the routes for dependants, printed codes and identity disputes."""

from __future__ import annotations

import base64
from typing import Any

from chalicelib.codes.gate import PrintedCard
from chalicelib.identity.disputes import DisputeItem
from chalicelib.people.rules import MAX_DEPENDANTS
from chalicelib.people.service import PersonEntry
from chalicelib.web.views import iso


def people(entries: list[PersonEntry]) -> dict[str, Any]:
    items = []
    for entry in entries:
        stored = entry.stored
        valid_until = stored.assessment.valid_until if stored else None
        items.append(
            {
                "id": entry.person.person_id,
                "relation": entry.relation,
                "name_masked": entry.person.name_masked,
                "id_masked": entry.person.id_masked,
                "colour": stored.assessment.colour.value if stored else None,
                "valid_until": iso(valid_until) if valid_until else None,
            }
        )
    return {"items": items, "max_dependants": MAX_DEPENDANTS}


def printed(card: PrintedCard) -> dict[str, Any]:
    return {
        "person": card.person.person_id,
        "kind": "printed",
        "token": card.token,
        "issued_at": iso(card.claims.issued_at),
        "expires_at": iso(card.claims.expires_at),
        "region": card.claims.region,
        "holder": {"name_masked": card.person.name_masked, "id_masked": card.person.id_masked},
        "revoked_previous": card.revoked_previous,
        "card": {
            "content_type": "application/pdf",
            "data_base64": base64.b64encode(card.pdf).decode("ascii"),
        },
    }


def dispute(item: DisputeItem) -> dict[str, Any]:
    d, person = item.dispute, item.person
    return {
        "id": d.dispute_id,
        "state": d.state,
        "created_at": iso(d.created_at),
        "person": {
            "name_masked": person.name_masked if person else None,
            "id_masked": person.id_masked if person else None,
        },
        "claimant": {
            "vouched": d.claimant_vouched,
            "channels": list(item.claimant_channels),
            "evidence": d.evidence,
        },
        "holder": {"vouched": d.holder_vouched, "channels": list(item.holder_channels)},
        "decided_at": iso(d.decided_at) if d.decided_at else None,
        "note": d.note,
    }


def care_request(request: Any, requester_name_masked: str | None = None) -> dict[str, Any]:
    return {
        "id": request.request_id,
        "relation": request.relation,
        "state": request.state,
        "created_at": iso(request.created_at),
        "requester": {"name_masked": requester_name_masked},
    }
