"""Recolouring a person: read the facts, assess, store with an optimistic lock, audit.

The stored colour carries a version. We read it *before* the facts, so any
write that lands between our read and our write (a declaration, a review, a
recolour job) bumps the version and our write fails; we then read again and
recompute from the fresher facts. Neither update is lost: whichever write
comes last was computed from facts that include the other's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.colours.model import Assessment, DeclarationFacts, Facts, StatusMark, StoredColour
from chalicelib.colours.ports import (
    ApprovedMarks,
    Colours,
    DeclarationHistory,
    DeclarationSeen,
    FactsSource,
    PersonSource,
    StarsACity,
)
from chalicelib.colours.rules import assess, self_declared, summarise
from chalicelib.colours.table import Policy
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, NotFound, UpstreamUnavailable
from chalicelib.kernel.events import CaseChanged, Publish, nobody
from chalicelib.kernel.person import Person
from chalicelib.kernel.times import days_after

MAX_ATTEMPTS = 5
CASE_REASONS = frozenset({"status_confirmed", "positive_test"})


def is_case(assessment: Assessment) -> bool:
    """A confirmed case, for co-location: an approved confirmed mark or a positive test."""
    return any(r.code in CASE_REASONS for r in assessment.reasons)


def summary(assessment: Assessment) -> dict[str, Any]:
    """What the audit trail keeps of a colour: no personal data, no free text."""
    return {
        "colour": assessment.colour.value,
        "reasons": [r.code for r in assessment.reasons],
        "policy_version": assessment.policy_version,
        "feed_id": assessment.feed_id,
    }


def _declaration_facts(declaration: DeclarationSeen) -> DeclarationFacts:
    return DeclarationFacts(
        declared_at=declaration.created_at,
        status=declaration.status,
        symptoms=declaration.symptoms,
        contact_with_confirmed=declaration.contact_with_confirmed,
        abroad_14d=declaration.abroad_14d,
        residence_region=declaration.residence_region,
        reviewed_at=declaration.reviewed_at,
        withdraws=tuple(declaration.withdraws),
    )


@dataclass
class ColourService:
    people: PersonSource
    declarations: DeclarationHistory
    colours: Colours
    marks: ApprovedMarks
    facts: FactsSource
    audit: Audit
    policy: Policy
    clock: Callable[[], datetime]
    stars_a_city: StarsACity  # the itinerary card's rule (itinerary.rules.stars_a_city)
    # Told (CaseChanged) when a recolour finds that a person became a confirmed case or
    # stopped being one: co-location exposure (venues) finds or lifts their contacts.
    # Whatever the path (an approved mark, a lab result through the queue, a clear), the
    # transition is seen here, once.
    publish: Publish = nobody

    def facts_for(
        self,
        person: Person,
        now: datetime,
        *,
        fresh: DeclarationSeen | None = None,
        fresh_mark: StatusMark | None = None,
    ) -> Facts:
        """Everything the engine needs about a person.

        ``fresh`` and ``fresh_mark`` are what the caller has just written: the indexes
        they are read back through are eventually consistent, so a write must not be
        missed by the recolour that follows it.
        """
        recent, earlier = self._declarations(person.person_id, now, fresh)
        marks = list(self.marks.approved_for(person.id_hash))
        if fresh_mark is not None and fresh_mark not in marks:
            marks.append(fresh_mark)
        since = days_after(now, -(self.policy.window_days + 1))
        phone_hash = (
            self.facts.phone_hash_of(person.owner_user_id) if person.relation == "self" else None
        )
        feed_id, areas = self.facts.active_risk(fresh=True)
        return Facts(
            declared_at=tuple(d.declared_at for d in recent),
            exposures=tuple(self.facts.exposures(person.person_id)),
            vaccinations=tuple(self.facts.vaccinations(person.id_hash)),
            marks=tuple(marks),
            declaration=recent[0] if recent else None,
            earlier=earlier,
            stays=tuple(self.facts.stays(phone_hash, since=since)) if phone_hash else (),
            scans=tuple(self.facts.scans(person.person_id, since=since)),
            risk_areas=areas,
            tests=tuple(self.facts.tests(person.id_hash)),
            feed_id=feed_id,
            partner_statuses=(
                tuple(self.facts.partner_statuses(person.fed_hash)) if person.fed_hash else ()
            ),
        )

    def _starred(self, facts: Facts, now: datetime) -> bool | None:
        """The checkpoint's star: the holder's card stars a city. Kept with the colour so a
        scan reads nothing more; stays and risk changes recolour, which refreshes it."""
        if not facts.stays:
            return None
        return self.stars_a_city(
            facts.stays,
            as_of=now,
            risk_areas=facts.risk_areas,
            window_days=self.policy.window_days,
            min_stay_hours=self.policy.min_stay_hours,
        )

    def recolour_many(
        self,
        person_ids: list[str],
        reason: str,
        *,
        actor: str = "system",
        actor_role: str = "system",
    ) -> dict[str, int]:
        """The worker's loop: every person recomputed; failures collected, not fatal.

        ``actor`` is the source the change is audited with: ``system`` for a feed, a
        batch or expiry, the checkpoint account (or checking-in citizen) for a scan.
        ``changed`` counts the people whose colour or reasons moved (an audit event each).
        """
        counts = {"recoloured": 0, "changed": 0, "skipped": 0, "failed": 0}
        with self.facts.one_snapshot():  # one read of the @active pointer per batch
            for person_id in person_ids:
                try:
                    _, changed = self._recolour(
                        person_id, actor=actor, actor_role=actor_role, reason=reason
                    )
                    counts["recoloured"] += 1
                    counts["changed"] += int(changed)
                except NotFound:
                    counts["skipped"] += 1  # a phone whose owner never declared: no code
                except Exception:
                    from chalicelib.kernel.logs import get_logger

                    get_logger().exception("recolour failed", extra={"person": person_id})
                    counts["failed"] += 1
        return counts

    def current(self, person_id: str) -> StoredColour | None:
        return self.colours.get(person_id)

    def _declarations(
        self, person_id: str, now: datetime, fresh: DeclarationSeen | None = None
    ) -> tuple[list[DeclarationFacts], tuple[DeclarationFacts, ...]]:
        """The person's declarations, newest first, and those of them that still count
        beside the latest: the window's, and any still pending."""
        recent = list(self.declarations.for_person(person_id, limit=25, cursor=None).items)
        if fresh is not None:
            recent = [d for d in recent if d.declaration_id != fresh.declaration_id] + [fresh]
        recent.sort(key=lambda d: d.created_at, reverse=True)
        since = days_after(now, -(self.policy.window_days + 1))
        earlier = [d for d in recent[1:] if d.created_at >= since or d.status == "pending_review"]
        return (
            [_declaration_facts(d) for d in recent],
            tuple(_declaration_facts(d) for d in earlier),
        )

    def self_declared(self, person_id: str) -> frozenset[str]:
        """What the person's own declarations colour their code with now (abroad,
        contact, symptoms): what a correction could withdraw. Read afresh from their
        declarations and tests, never from the stored colour, which may still hold a
        former holder's answers when the person has just changed hands."""
        person = self.people.get(person_id)
        if person is None:
            return frozenset()
        now = self.clock()
        recent, earlier = self._declarations(person_id, now)
        if not recent:
            return frozenset()
        facts = Facts(
            declaration=recent[0], earlier=earlier, tests=tuple(self.facts.tests(person.id_hash))
        )
        return self_declared(assess(facts, self.policy, now).reasons, now)

    def recolour(
        self,
        person_id: str,
        *,
        actor: str,
        actor_role: str,
        reason: str,
        fresh: DeclarationSeen | None = None,
        fresh_mark: StatusMark | None = None,
    ) -> Assessment:
        """Recompute and store; audit the change when the colour or its reasons moved."""
        assessment, _changed = self._recolour(
            person_id,
            actor=actor,
            actor_role=actor_role,
            reason=reason,
            fresh=fresh,
            fresh_mark=fresh_mark,
        )
        return assessment

    def _recolour(
        self,
        person_id: str,
        *,
        actor: str,
        actor_role: str,
        reason: str,
        fresh: DeclarationSeen | None = None,
        fresh_mark: StatusMark | None = None,
    ) -> tuple[Assessment, bool]:
        """:meth:`recolour`, and whether the colour or its reasons moved (audited)."""
        for _ in range(MAX_ATTEMPTS):
            person = self.people.get(person_id)
            if person is None:
                raise NotFound("no such person", code="person_not_found")
            previous = self.colours.get(person_id, consistent=True)
            now = self.clock()
            facts = self.facts_for(person, now, fresh=fresh, fresh_mark=fresh_mark)
            assessment = assess(facts, self.policy, now)
            was_case = previous is not None and is_case(previous.assessment)
            if was_case != is_case(assessment):
                # Before the save: if finding the contacts fails, the colour is not stored
                # either, and the retry (SQS, or the caller) sees the transition again. The
                # contacts' writes are idempotent puts, so seeing it twice costs no harm.
                self.publish(CaseChanged(person_id, became_case=not was_case))
            try:
                self.colours.save(
                    person,
                    assessment,
                    expected_version=previous.version if previous else None,
                    itinerary_starred=self._starred(facts, now),
                    latest_test=max(
                        (t for t in facts.tests if t.sampled_at <= now),
                        key=lambda t: t.sampled_at,
                        default=None,
                    ),
                    vaccination=summarise(facts.vaccinations, now),
                )
            except Conflict as exc:
                if exc.code == "stale_write":
                    continue  # someone wrote first: read their result and the new facts
                raise
            before = summary(previous.assessment) if previous else None
            after = summary(assessment)
            changed = before is None or (before["colour"], before["reasons"]) != (
                after["colour"],
                after["reasons"],
            )
            if changed:
                self.audit.append(
                    AuditEvent(
                        subject_id=person_id,
                        actor=actor,
                        actor_role=actor_role,
                        action="colour_changed",
                        at=now,
                        reason=reason,
                        before=before,
                        after=after,
                    )
                )
            return assessment, changed
        raise UpstreamUnavailable(
            "the colour is being updated by others; try again", code="recolour_contended"
        )
