"""Where a checkpoint's scan happened: the venue an official posted it at (issue 29).

Pure: the checkpoint's assignments are read by the caller (one Query on the account,
``venues``' assignments) and handed in. The scan's venue is never what the request
claims on its own word: a ``venue_id`` that is not one of the account's assigned venues
is refused before anything is stored, and the district a scan counts in is the
registered venue's, from its record (``Post.region_code``), never parsed from an id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.kernel.errors import InvalidInput

VENUE_NOT_ASSIGNED = "venue_not_assigned"


class Post(Protocol):
    """A venue a checkpoint account is posted at, and that venue's registered district."""

    @property
    def venue_id(self) -> str: ...

    @property
    def region_code(self) -> str: ...


def scan_place(posts: Sequence[Post], sent: str | None) -> Post | None:
    """The venue a scan is logged at, or None (logged without a venue: no district, so
    it colours nobody).

    - ``venue_id`` sent: it must be one of the account's posts, else 400
      ``venue_not_assigned`` naming ``venue_id`` (an unregistered id is never a post).
    - none sent, one post: that venue.
    - none sent, several posts (a checkpoint covering two gates) or none: no venue.
    """
    if sent is not None:
        for post in posts:
            if post.venue_id == sent:
                return post
        if not posts:
            message = (
                "this checkpoint account is not posted at any venue: an official posts it "
                "(POST /v1/admin/assignments); scan without venue_id until then"
            )
        else:
            message = "not a venue this checkpoint account is posted at"
        raise InvalidInput(message, field="venue_id", code=VENUE_NOT_ASSIGNED)
    if len(posts) == 1:
        return posts[0]
    return None
