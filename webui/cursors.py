"""Cursors for the JSON API's deep paging: the pinned orders of recent searches, held in the
web process (a few, for a while), named by an opaque token.

A token is ``<order key>.<offset>`` in URL-safe base64; the key is random, so a token cannot be
guessed or made, only followed. A token belongs to one search (the same words, filters, sort and
page size): used with another, or after its order was dropped, it is refused with a message
saying to start again, never silently served from the live index.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import OrderedDict

from search.types import SearchRequest

KEEP = 32  # pinned orders held at once
TTL_SECONDS = 30 * 60  # a pinned order is dropped this long after it was last used


class CursorError(ValueError):
    """A cursor that is malformed, expired or belongs to another search."""


class Cursors:
    def __init__(self) -> None:
        self._orders: OrderedDict[str, tuple[float, str, list]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def fingerprint(request: SearchRequest) -> str:
        data = request.to_dict()
        data["page_size"] = request.page_size
        return json.dumps(data, sort_keys=True)

    def pin(self, request: SearchRequest, order: list) -> str:
        key = secrets.token_urlsafe(12)
        with self._lock:
            self._drop_old()
            self._orders[key] = (time.monotonic(), self.fingerprint(request), order)
            while len(self._orders) > KEEP:
                self._orders.popitem(last=False)
        return key

    def order(self, key: str, request: SearchRequest) -> list:
        with self._lock:
            self._drop_old()
            found = self._orders.get(key)
            if found is None:
                raise CursorError(
                    "this cursor has expired (or the server restarted): start again without one"
                )
            if found[1] != self.fingerprint(request):
                raise CursorError("this cursor belongs to another search (or page size)")
            self._orders[key] = (time.monotonic(), found[1], found[2])
            self._orders.move_to_end(key)
            return found[2]

    def _drop_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, (used, _, _) in self._orders.items() if now - used > TTL_SECONDS]:
            del self._orders[key]


def token(key: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{key}.{offset}".encode()).decode().rstrip("=")


def parse(text: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        key, offset = raw.rsplit(".", 1)
        if not key or not offset.isdigit():
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise CursorError("this is not a cursor of this server: start again without one") from None
    return key, int(offset)
