"""Builds the risk capability: the cached ``@active`` pointer, the risk refresh and the
recolour queue (SQS on AWS, inline on the local stack), and the city services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.colours.table import Policy
from chalicelib.kernel.wiring import Kernel
from chalicelib.risk.regions import RegionService
from chalicelib.risk.service import RiskService

if TYPE_CHECKING:
    from chalicelib.colours.model import RiskArea
    from chalicelib.colours.ports import FactsSource
    from chalicelib.kernel.audit import Audit
    from chalicelib.risk.service import Affected
    from chalicelib.risk.store import ActivePointer


def active_pointer(kernel: Kernel) -> ActivePointer:
    """The @active risk pointer, cached per container (the morning peak's hottest item
    otherwise): readers that show risk accept ``risk_cache_seconds`` of staleness, stored
    colours read it fresh once per batch, and a switch or a recolour message naming
    another feed invalidates it."""
    from chalicelib.risk.store import ActivePointer

    return ActivePointer(max_age_seconds=kernel.settings.risk_cache_seconds, clock=kernel.clock)


def wire(
    kernel: Kernel,
    *,
    pointer: ActivePointer,
    audit: Audit,
    recolour_many: Callable[..., dict[str, int]],
    active_risk: Callable[[], tuple[str | None, tuple[RiskArea, ...]]],
    affected: Affected,
    recoloured_by_checkpoint: Callable[[str], None] = lambda checkpoint: None,
) -> RiskService:
    from chalicelib.kernel import reference_data
    from chalicelib.kernel.dynamo.lease import DynamoLease
    from chalicelib.risk.queue import InlineRecolourQueue, S3FeedSource, SqsRecolourQueue
    from chalicelib.risk.store import DynamoRiskFeeds

    settings, aws, clock = kernel.settings, kernel.aws, kernel.clock
    risk: RiskService
    queue: Any = (  # chalice local runs no queue consumer: the worker's job is done inline
        InlineRecolourQueue(lambda message: risk.process(message))
        if settings.is_local
        else SqsRecolourQueue(lambda: aws.client("sqs"), settings.queue_name)
    )
    risk = RiskService(
        feeds=DynamoRiskFeeds(pointer=pointer),
        affected=affected,
        lease=DynamoLease(),
        queue=queue,
        source=S3FeedSource(lambda: aws.client("s3"), settings.feed_bucket, settings.feed_key),
        audit=audit,
        divisions=reference_data.divisions,
        window_days=Policy().window_days,
        clock=clock,
        recolour_many=recolour_many,
        # A scan asks "is this district a risk area now?" of the cached pointer; the
        # refresh looks again at the scans of raised districts once every container's
        # cache has expired.
        scan_cache_seconds=settings.risk_cache_seconds,
        expect_feed=pointer.expect,
        active_risk=active_risk,
        recoloured_by_checkpoint=recoloured_by_checkpoint,
    )
    return risk


def wire_regions(kernel: Kernel, *, facts: FactsSource, audit: Audit) -> RegionService:
    from chalicelib.kernel import reference_data
    from chalicelib.risk.store import DynamoPolicies

    return RegionService(
        divisions=reference_data.divisions,
        facts=facts,
        policies=DynamoPolicies(clock=kernel.clock),
        audit=audit,
        clock=kernel.clock,
    )


def facts(kernel: Kernel, *, pointer: ActivePointer) -> Any:
    """What a colour reads of the active risk snapshot (colours/facts.py)."""
    from chalicelib.risk.store import RiskFacts

    return RiskFacts(pointer=pointer)


def affected(*, place_days: Any, phones: Any, people: Any, scans: Any, checkins: Any) -> Any:
    """Who a change in a place touches, from the capabilities that keep the keys."""
    from chalicelib.risk.affected import GatheredAffected

    return GatheredAffected(
        place_days=place_days, phones=phones, people=people, scans=scans, checkins=checkins
    )
