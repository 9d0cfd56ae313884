"""Who may act for a person, under random sequences of the person-related API calls
(issue 29): a hypothesis ``RuleBasedStateMachine`` on moto, in-process.

Six actors: three citizens (Alice, Bob, who may squat on anyone's number, and a kid
under 14 with a phone of their own), a guardian (Mum), a checkpoint and a reviewer.
Four ID numbers, each with its real name: Alice's, Bob's, Mum's and the kid's. Every
citizen may declare any of them as their own or as a dependant, with the right name
or a wrong one; answer care requests; end links from either side; print a code; check
someone in; the checkpoint checks ID cards (at a venue it is not posted to, too); the
reviewer decides identity disputes. The channels vouch for Alice and the kid only.

After every step:

1. **Nobody reads a person without a relationship the person agreed to.** The model
   keeps every agreement it saw happen (a filer's first filing, an accepted request,
   each with who granted it) and applies the rules of a move to them; each citizen
   reads (``GET /v1/code?person=``) exactly the persons it owns or holds a live
   agreement for, and ``GET /v1/people`` lists exactly those.
2. **A colour changes only through a fact with a recorded source.** Every colour
   change in the audit trail names its reason, and no change is by ``system`` except
   for a time or feed fact; a colour seen to change between steps has its event.
3. **Nothing is lost when a person moves.** An ID number keeps its one person id; the
   person's owner sees its lab result; its colour is still there.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from hypothesis import HealthCheck
from hypothesis import event as hypothesis_event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chalicelib.people.rules import care_request_id
from tests.app.checkpoints import CAFE, assign, dev_user, register_venue
from tests.helpers import body, declaration, get, login, make_id_number, post

IDS = {
    "alice": make_id_number("11010119900101123"),
    "bob": make_id_number("11010119880202123"),
    "mum": make_id_number("11010119700303123"),
    "kid": make_id_number("11010120160404123"),  # under 14 until 2030
}
NAMES = {"alice": "陈爱丽", "bob": "孙博", "mum": "周丽华", "kid": "周小明"}
PHONES = {"alice": "13800000001", "bob": "13800000002", "mum": "13800000003", "kid": "13800000004"}
CITIZENS = ("alice", "bob", "mum", "kid")
VOUCHED = {"alice", "kid"}  # their login channel vouches for their own ID number
CHILDREN = {"kid"}
# A colour may change with no person acting only on a time or feed fact.
SYSTEM_REASONS = ("expired_on_read", "expire_due", "risk_feed:")
RELATIONS = ("child", "parent", "spouse", "other")


SEEN: Counter[str] = Counter()  # what the sequences reached, printed with -s


def event(what: str) -> None:
    SEEN[what] += 1
    hypothesis_event(what)


@dataclass
class Agreement:
    carer: str  # the actor acting for the person
    granted_by: str  # the actor whose consent made it
    live: bool = True


@dataclass
class Model:
    """What the machine saw happen, and what it therefore expects."""

    person_of: dict[str, str] = field(default_factory=dict)  # ID key → person id
    owner: dict[str, str | None] = field(default_factory=dict)  # ID key → actor (self)
    filer: dict[str, str] = field(default_factory=dict)  # ID key → first guardian
    agreements: dict[str, list[Agreement]] = field(default_factory=dict)  # ID key → …
    asked: int = 0  # requests filed and not yet answered, roughly: where answers pay off
    colour: dict[str, str] = field(default_factory=dict)
    changes_seen: dict[str, int] = field(default_factory=dict)

    def decider(self, key: str) -> str | None:
        return self.owner.get(key) or self.filer.get(key)

    def may_read(self, actor: str, key: str) -> bool:
        if self.owner.get(key) == actor:
            return True
        return any(a.carer == actor and a.live for a in self.agreements.get(key, []))

    def key_of(self, person_id: str) -> str | None:
        return next((k for k, p in self.person_of.items() if p == person_id), None)


class PeopleMachine(RuleBasedStateMachine):
    world: ClassVar[dict[str, Any]] = {}  # the test's settings and clock

    def __init__(self) -> None:
        super().__init__()
        from chalice.test import Client

        from app import app
        from chalicelib import bootstrap
        from tests.conftest import _empty_tables

        _empty_tables()
        bootstrap.set_container(bootstrap.build(self.world["settings"], clock=self.world["clock"]))
        self._client_cm = Client(app)
        self.client = self._client_cm.__enter__()
        self.model = Model()
        self.tokens: dict[str, str] = {}
        self.users: dict[str, str] = {}

    def teardown(self) -> None:
        from chalicelib import bootstrap

        self._client_cm.__exit__(None, None, None)
        bootstrap.set_container(None)

    # -- set-up ---------------------------------------------------------------------

    @initialize()
    def actors(self) -> None:
        for actor in CITIZENS:
            payload: dict[str, Any] = {"subject": actor, "phone": PHONES[actor]}
            if actor in VOUCHED:
                payload["vouched_id_number"] = IDS[actor]
            answer = body(post(self.client, "/v1/auth/dev", payload))
            self.tokens[actor], self.users[actor] = answer["token"], answer["user"]["id"]
        self.tokens["reviewer"] = login(self.client, "sm-reviewer", role="reviewer")
        lab = login(self.client, "sm-lab", role="lab")
        results = [
            {
                "id_number": number,
                "sample_id": f"S-{key}",
                "sampled_at": "2026-11-19T09:00:00+08:00",
                "result": "negative",
                "lab": "雁塔区疾控中心",
            }
            for key, number in IDS.items()
        ]
        sent = post(self.client, "/v1/feeds/tests", {"batch_id": "sm", "results": results}, lab)
        assert sent.status_code == 200, sent.body
        official = login(self.client, "sm-official", role="official")
        venue = register_venue(self.client, official, CAFE)
        self.venue_token = venue["token"]
        # The checkpoint is posted at the venue, in a district with a high-risk area: a
        # scan there is a fact that turns the person red, with the checkpoint as source.
        self.tokens["checkpoint"], gate = dev_user(self.client, "sm-checkpoint", role="checkpoint")
        assign(self.client, official, gate, venue["id"])
        snapshot = {
            "feed_id": "sm-1",
            "published_at": "2026-11-20T09:00:00+08:00",
            "areas": [
                {
                    "region_code": "610113",
                    "area": "电子城街道",
                    "level": "high",
                    "since": "2026-11-15T00:00:00+08:00",
                }
            ],
        }
        pushed = post(self.client, "/v1/feeds/risk-areas", snapshot, official)
        assert pushed.status_code == 200, pushed.body

    # -- helpers --------------------------------------------------------------------

    def _declare(self, actor: str, key: str, *, right_name: bool, **extra: Any) -> Any:
        answers = declaration(
            name=NAMES[key] if right_name else "冒名者",
            id_number=IDS[key],
            phone=PHONES[actor],
            residence_region="610103",  # outside the risk area: a scan makes the difference
            **extra,
        )
        return post(self.client, "/v1/declarations", answers, self.tokens[actor])

    def _observe_owners(self) -> None:
        """Who holds each person as their own now; a change of hands applies the move's
        rules to the agreements."""
        owners: dict[str, str | None] = {key: None for key in self.model.person_of}
        for actor in CITIZENS:
            for item in body(get(self.client, "/v1/people", self.tokens[actor]))["items"]:
                key = self.model.key_of(item["id"])
                if key is not None and item["relation"] == "self":
                    owners[key] = actor
        for key, now in owners.items():
            before = self.model.owner.get(key)
            if now == before:
                continue
            event(f"a person changed hands ({'taken' if before is None else 'moved'})")
            self.model.asked += len(self.model.agreements.get(key, []))
            for agreement in self.model.agreements.get(key, []):
                if agreement.carer == now:
                    agreement.live = False  # the own person is no longer a link
                elif before is not None:
                    # Moved from another account's own: the links it granted end.
                    if agreement.granted_by == before:
                        agreement.live = False
                elif key not in CHILDREN:
                    # Taken from its guardians by a person of 14 or more: asked again.
                    agreement.live = False
            self.model.owner[key] = now

    # -- rules ----------------------------------------------------------------------

    @rule(
        actor=st.sampled_from(CITIZENS),
        key=st.sampled_from(CITIZENS),
        right_name=st.booleans(),
        cough=st.booleans(),
    )
    def declare_as_own(self, actor: str, key: str, right_name: bool, cough: bool) -> None:
        answer = self._declare(
            actor, key, right_name=right_name, symptoms=["cough"] if cough else []
        )
        assert answer.status_code < 500, answer.body
        event(f"declare as own: {answer.status_code} {self._code(answer)}")
        if answer.status_code == 201:
            self._remember(key, body(answer)["person"])
        self._observe_owners()

    @staticmethod
    def _code(answer: Any) -> str:
        return str(body(answer).get("error", {}).get("code", ""))

    @rule(
        actor=st.sampled_from(CITIZENS),
        key=st.sampled_from(CITIZENS),
        right_name=st.booleans(),
        relation=st.sampled_from(RELATIONS),
    )
    def declare_as_dependant(self, actor: str, key: str, right_name: bool, relation: str) -> None:
        known = key in self.model.person_of
        answer = self._declare(actor, key, right_name=right_name, dependant={"relation": relation})
        assert answer.status_code < 500, answer.body
        event(f"declare as dependant: {answer.status_code} {self._code(answer)}")
        if self._code(answer) == "consent_required":
            self.model.asked += 1
        if answer.status_code == 201:
            person = self._remember(key, body(answer)["person"])
            agreements = self.model.agreements.setdefault(key, [])
            if not known or (
                self.model.owner.get(key) is None and not any(a.live for a in agreements)
            ):
                # Filed first, or again once every guardian let go: the filer holds them.
                self.model.filer[key] = actor
                agreements.append(Agreement(actor, actor))
            else:
                assert self.model.may_read(actor, key), f"{actor} declared for {person} unasked"
        self._observe_owners()

    def _remember(self, key: str, person_id: str) -> str:
        known = self.model.person_of.setdefault(key, person_id)
        assert known == person_id, f"{key}'s person id changed: {known} → {person_id}"
        return person_id

    @precondition(lambda self: self.model.asked > 0)
    @rule(accept=st.booleans())
    def answer_a_request(self, accept: bool) -> None:
        """Whoever has a request waiting answers the oldest."""
        for actor in CITIZENS:
            items = body(get(self.client, "/v1/me/care-requests", self.tokens[actor]))["items"]
            if items:
                break
        else:
            self.model.asked = 0
            return
        self.model.asked -= 1
        request = items[0]
        decision = "accept" if accept else "refuse"
        answer = post(
            self.client,
            f"/v1/me/care-requests/{request['id']}",
            {"decision": decision},
            self.tokens[actor],
        )
        assert answer.status_code in (200, 409), answer.body
        event(f"answer a request: {decision} {answer.status_code}")
        if answer.status_code == 200 and accept:
            key = self.model.key_of(request["person"])
            assert key is not None
            requester = next(
                a
                for a in CITIZENS
                if care_request_id(request["person"], self.users[a]) == request["id"]
            )
            assert self.model.decider(key) == actor, f"{actor} answered for {key}"
            self.model.agreements.setdefault(key, []).append(Agreement(requester, actor))

    @rule(actor=st.sampled_from(CITIZENS))
    def end_a_carer(self, actor: str) -> None:
        items = body(get(self.client, "/v1/me/carers", self.tokens[actor]))["items"]
        if not items:
            return
        carer = items[0]
        ended = self._delete(f"/v1/me/carers/{carer['id']}", actor)
        event(f"end a carer: {ended.status_code}")
        own = next(k for k, o in self.model.owner.items() if o == actor)
        if own in CHILDREN:
            assert ended.status_code == 409, ended.body
            return
        assert ended.status_code == 200, ended.body
        for agreement in self.model.agreements.get(own, []):
            if self.users.get(agreement.carer) and agreement.live:
                from chalicelib.people.rules import care_link_id

                link = care_link_id(self.model.person_of[own], self.users[agreement.carer])
                if link == carer["id"]:
                    agreement.live = False

    @rule(actor=st.sampled_from(CITIZENS), key=st.sampled_from(CITIZENS))
    def unlink(self, actor: str, key: str) -> None:
        person = self.model.person_of.get(key)
        if person is None:
            return
        gone = self._delete(f"/v1/people/{person}", actor)
        assert gone.status_code in (200, 404, 409), gone.body
        if gone.status_code != 200:
            return
        agreements = self.model.agreements.get(key, [])
        for agreement in agreements:
            if agreement.carer == actor:
                agreement.live = False
        if self.model.owner.get(key) is None and self.model.filer.get(key) == actor:
            # The guardian who decided let go: the longest-linked other one decides.
            heir = next((a.carer for a in agreements if a.live), None)
            if heir is not None:
                self.model.filer[key] = heir

    def _delete(self, path: str, actor: str) -> Any:
        return self.client.http.delete(
            path, headers={"Authorization": f"Bearer {self.tokens[actor]}"}
        )

    @rule(actor=st.sampled_from(CITIZENS), key=st.sampled_from(CITIZENS))
    def print_a_code(self, actor: str, key: str) -> None:
        person = self.model.person_of.get(key)
        if person is None:
            return
        printed = post(self.client, f"/v1/people/{person}/printed-code", {}, self.tokens[actor])
        assert printed.status_code == (201 if self.model.may_read(actor, key) else 404), (
            actor,
            key,
            printed.body,
        )

    @rule(actor=st.sampled_from(CITIZENS), key=st.sampled_from(CITIZENS))
    def check_in(self, actor: str, key: str) -> None:
        person = self.model.person_of.get(key)
        if person is None:
            return
        checked = post(
            self.client,
            "/v1/checkins",
            {"venue_token": self.venue_token, "person": person},
            self.tokens[actor],
        )
        if self.model.may_read(actor, key):
            assert checked.status_code == 201, (actor, key, checked.body)
        else:
            assert checked.status_code == 404, (actor, key, checked.body)

    @rule(key=st.sampled_from(CITIZENS), venue=st.sampled_from([None, "610113-9999"]))
    def checkpoint_checks_an_id_card(self, key: str, venue: str | None) -> None:
        """At its post (a scan there is a recorded fact), or naming a venue it is not
        posted at (400: nothing stored, nobody recoloured)."""
        payload: dict[str, Any] = {"id_number": IDS[key]}
        if venue is not None:
            payload["venue_id"] = venue
        checked = post(self.client, "/v1/verify/id", payload, self.tokens["checkpoint"])
        event(f"checkpoint: {checked.status_code}")
        if venue is not None:
            assert checked.status_code == 400, checked.body
        else:
            assert checked.status_code == 200, checked.body

    @precondition(lambda self: bool(self.model.person_of))
    @rule(move=st.booleans())
    def reviewer_decides_a_dispute(self, move: bool) -> None:
        reviewer = self.tokens["reviewer"]
        items = body(get(self.client, "/v1/admin/disputes", reviewer))["items"]
        if not items:
            return
        decision = "move" if move else "keep"
        decided = post(
            self.client,
            f"/v1/admin/disputes/{items[0]['id']}",
            {"decision": decision, "note": "核验身份证原件"},
            reviewer,
        )
        assert decided.status_code == 200, decided.body
        event(f"dispute decided: {decision}")
        self._observe_owners()

    # -- invariants -----------------------------------------------------------------

    @invariant()
    def only_agreed_relationships_read(self) -> None:
        if not self.tokens:
            return
        # A minute or two between steps, as at a real counter: the per-minute request
        # limits count each step's reads afresh.
        self.world["clock"].now += timedelta(minutes=2)
        for actor in CITIZENS:
            listed = {
                item["id"]
                for item in body(get(self.client, "/v1/people", self.tokens[actor]))["items"]
            }
            for key, person in self.model.person_of.items():
                expected = self.model.may_read(actor, key)
                shown = get(self.client, f"/v1/code?person={person}", self.tokens[actor])
                assert (shown.status_code == 200) == expected, (actor, key, shown.body)
                assert (person in listed) == expected, (actor, key, listed)

    @invariant()
    def colours_change_only_through_a_recorded_fact(self) -> None:
        from chalicelib.officials.audit_store import AuditRecord

        for key, person in self.model.person_of.items():
            events = [e for e in AuditRecord.query(person) if e.action == "colour_changed"]
            for change in events:
                assert change.reason, f"a colour change of {key} names no reason"
                if change.actor_role == "system":
                    assert change.reason.startswith(SYSTEM_REASONS), (key, change.reason)
                if change.reason.startswith("scan:"):
                    # A scan's recolour names who scanned (a posted checkpoint, or the
                    # citizen checking in) and the registered venue.
                    assert change.actor_role in ("checkpoint", "citizen"), change.actor_role
                    assert change.reason.count(":") == 2, change.reason
            colour = self._colour(key)
            if colour is None:
                continue
            before = self.model.colour.get(key)
            if before is not None and before != colour:
                assert len(events) > self.model.changes_seen.get(key, 0), (key, before, colour)
            self.model.colour[key] = colour
            self.model.changes_seen[key] = len(events)

    def _colour(self, key: str) -> str | None:
        owner = self.model.owner.get(key)
        if owner is None:
            return None
        return str(body(get(self.client, "/v1/code", self.tokens[owner]))["colour"])

    @invariant()
    def nothing_is_lost_when_a_person_moves(self) -> None:
        for key, owner in self.model.owner.items():
            if owner is None:
                continue
            tests = body(get(self.client, "/v1/tests", self.tokens[owner]))["items"]
            assert len(tests) == 1, (key, owner, tests)
            people = body(get(self.client, "/v1/people", self.tokens[owner]))["items"]
            assert people[0]["id"] == self.model.person_of[key] and people[0]["colour"]


def test_who_may_act_for_a_person_holds_under_random_sequences(aws, settings, clock):
    PeopleMachine.world.update(settings=settings, clock=clock)
    run_state_machine_as_test(
        PeopleMachine,
        settings=settings_for_the_machine(),
    )
    print("\nreached:", dict(sorted(SEEN.items())))


def settings_for_the_machine() -> Any:
    """8 sequences of 12 steps in the suite (about 30 s); ``YIMA_MACHINE_EXAMPLES=200``
    for a long hunt (docs/testing.md)."""
    return hypothesis_settings(
        max_examples=int(os.environ.get("YIMA_MACHINE_EXAMPLES", "8")),
        stateful_step_count=12 if "YIMA_MACHINE_EXAMPLES" not in os.environ else 25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
