"""A polite HTTP client for following news sites: one request at a time, a delay between two
requests to the same host (longer if its robots.txt asks), robots.txt obeyed, conditional
requests, a clear User-Agent, timeouts and a cap on what one response may weigh.

HTTP is urllib3's (redirects, pooling, timeouts); robots.txt rules are the standard library's
``urllib.robotparser``, fed the file this client fetched (with its own User-Agent and timeouts).
As RFC 9309 asks, a robots.txt that does not exist (4xx) allows everything, and one that cannot be
read (5xx, a timeout) forbids the whole host until the next pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

USER_AGENT = "Morgue/0.1 (news archive; follows feeds it was given, obeys robots.txt)"
MAX_REDIRECTS = 5


@dataclass
class Response:
    url: str  # after redirects
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    request_headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class FetchError(Exception):
    """A request that gave no response to keep: a timeout, a refused connection, too large."""


class Disallowed(Exception):
    """robots.txt forbids the URL."""


class PoliteClient:
    def __init__(
        self,
        delay: float = 1.0,
        timeout: float = 10.0,
        max_bytes: int = 10 * 1024 * 1024,
        user_agent: str = USER_AGENT,
    ) -> None:
        import urllib3

        self.delay, self.timeout, self.max_bytes = delay, timeout, max_bytes
        self.user_agent = user_agent
        self.http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=urllib3.Retry(total=0, redirect=False),  # redirects followed by get()
        )
        self._robots: dict[str, RobotFileParser | str] = {}  # or why it could not be read
        self._last: dict[str, float] = {}  # host -> when its last request ended
        self._host_delay: dict[str, float] = {}
        self.answers: list[tuple[str, Response]] = []  # robots.txt and redirects, to archive

    def new_pass(self) -> None:
        """Forget what robots.txt said: each pass reads it again (rules change, a host that
        could not be reached may be back)."""
        self._robots.clear()
        self._host_delay.clear()
        self.answers.clear()

    def _wait(self, host: str) -> None:
        pause = self._host_delay.get(host, self.delay)
        since = time.monotonic() - self._last.get(host, float("-inf"))
        if since < pause:
            time.sleep(pause - since)

    def _request(self, url: str, headers: dict[str, str]) -> Response:
        import urllib3

        host = urlsplit(url).netloc
        self._wait(host)
        sent = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate", **headers}
        try:
            reply = self.http.request("GET", url, headers=sent, preload_content=False)
            try:
                body = reply.read(self.max_bytes + 1, decode_content=True)
                if len(body) > self.max_bytes:
                    raise FetchError(f"larger than {self.max_bytes // (1024 * 1024)} MB")
            finally:
                reply.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(_reason(exc)) from None
        finally:
            self._last[host] = time.monotonic()
        headers = list(reply.headers.items())
        return Response(url, reply.status, reply.reason or "", headers, body, list(sent.items()))

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            self._robots[host] = self._read_robots(f"{parts.scheme}://{host}/robots.txt", host)
        rules = self._robots[host]
        if isinstance(rules, str):  # unreadable: the whole host is off limits this pass
            raise FetchError(f"robots.txt could not be read ({rules}), so the site is left alone")
        return rules.can_fetch(self.user_agent, url)

    def _read_robots(self, url: str, host: str) -> RobotFileParser | str:
        rules = RobotFileParser(url)
        try:
            got = self._request(url, {})
        except FetchError as exc:
            return str(exc)
        self.answers.append((url, got))
        if got.status >= 500:
            return f"HTTP {got.status}"
        if got.status >= 400:
            rules.allow_all = True
            return rules
        text = got.body.decode("utf-8", "replace")
        rules.parse(text.splitlines())
        asked = crawl_delay(text, self.user_agent)
        if asked:
            self._host_delay[host] = max(self.delay, asked)
        return rules

    def get(self, url: str, etag: str | None = None, modified: str | None = None) -> Response:
        """The response to a conditional GET of ``url`` (304 when unchanged). Redirects are
        followed here, up to ``MAX_REDIRECTS``, each hop asked like any request: after the
        delay, and only where robots.txt allows."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        for _hop in range(MAX_REDIRECTS + 1):
            if not self.allowed(url):
                raise Disallowed(url)
            got = self._request(url, headers)
            target = got.header("Location")
            if got.status not in (301, 302, 303, 307, 308) or not target:
                return got
            self.answers.append((url, got))
            url = urljoin(url, target)  # the validators came from where it led last time
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def crawl_delay(robots: str, user_agent: str) -> float | None:
    """The Crawl-delay of the group that applies to us (ours by name, else ``*``), in seconds;
    the standard library reads whole seconds only, and "0.5" is common."""
    name = user_agent.split("/")[0].lower()
    found: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for line in robots.splitlines():
        key, _, value = line.split("#")[0].partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        elif key == "crawl-delay":
            in_rules = True
            try:
                seconds = float(value)
            except ValueError:
                continue
            for agent in agents:
                found.setdefault(agent, seconds)
        elif key:
            in_rules = True
    for agent, seconds in found.items():
        if agent != "*" and agent in name:
            return seconds
    return found.get("*")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for known, said in (
        ("timed out", "timed out"),
        ("Connection refused", "connection refused"),
        ("Name or service not known", "no such host"),
    ):
        if known in text:
            return said
    return text.splitlines()[0][:160] if text else type(exc).__name__
