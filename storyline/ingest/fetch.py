"""Fetching pages over HTTP(S), politely and safely: `storyline fetch URL...` and, later, the
feed watcher call `Fetcher.fetch(url)`, which returns a `Page` or raises `FetchError` (an
InputError: one line naming the URL and the problem).

    with Fetcher(settings.fetch, allow_private=False) as fetcher:
        page = fetcher.fetch("https://example.com/news/1?utm_source=x")   # -> Page
        page.url, page.final_url, page.status, page.text

What a fetch does, in order, for the URL and again for every redirect hop (at most
FetchSettings.max_redirects; a hop already seen is a redirect loop):

- the URL is canonicalised (courlan: lower-case host, default port and tracking parameters
  dropped, no fragment); only http and https are fetched;
- the host's robots.txt (fetched once per host and kept for robots_seconds; protego) must
  allow the path for the "storyline" user agent;
- one request at a time per host (a lock per host), at least FetchSettings.delay seconds (or
  the robots.txt Crawl-delay) after the previous one; a 429 or 503 makes the host wait its
  Retry-After (or FetchSettings.backoff) and the request is tried again when that is short;
- the connection is made to an address checked at connect time (GuardedBackend): a host that
  resolves to a private, loopback, link-local, multicast, reserved or unspecified address is
  refused unless allow_private, so neither a redirect nor a DNS answer changed between the
  check and the connection can reach the local network;
- the body is streamed: bytes on the wire are counted against max_bytes, and a compressed
  body (gzip, deflate, br) is decompressed in bounded steps and counted against
  max_decoded_bytes (a gzip bomb is refused after max_decoded_bytes, not after it has filled
  memory); the whole fetch must end within total_timeout (a body that trickles in);
- the text's charset comes from the Content-Type header, then the page's own <meta>
  declaration, then detection (ingest/files.decode); a declaration the bytes contradict
  (not decodable by it, or single-byte Western while the bytes are valid UTF-8) loses.

The Fetcher keeps the per-host state (HostState: lock, next allowed time, robots.txt) for as
long as it lives, so a long-running caller (the watcher) keeps one Fetcher.
"""
from __future__ import annotations

import email.utils
import ipaddress
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from ..errors import InputError
from ..settings import FetchSettings

ROBOTS_AGENT = "storyline"
SCHEMES = ("http", "https")
REDIRECTS = (301, 302, 303, 307, 308)
TEXT_TYPES = re.compile(r"^(text/|application/(xhtml\+xml|xml|[\w.+-]+\+xml|json|ld\+json)$)")
WESTERN = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252", "iso-8859-15"}


class FetchError(InputError):
    """A URL that could not be fetched: one line naming the URL and the problem. status is
    the HTTP status when there was one; retry_after the seconds a host asked us to wait."""

    def __init__(self, url: str, problem: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(url, problem)
        self.status = status
        self.retry_after = retry_after


class PrivateAddress(Exception):
    """Raised at connect time for a host that resolves to an address we must not reach."""


class RefusedAddress(FetchError):
    """A URL (or a redirect hop, or its robots.txt) whose host is not a public address."""


@dataclass
class Page:
    """A fetched page: url is the canonical URL asked for, final_url where the redirects
    ended; text is the decoded body."""

    url: str
    final_url: str
    status: int
    content_type: str
    text: str
    charset: str
    notes: list[str] = field(default_factory=list)  # e.g. a declared charset the bytes contradicted
    headers: dict[str, str] = field(default_factory=dict)
    moved_to: str | None = None  # where the leading permanent redirects (301, 308) ended: the URL to keep


@dataclass
class HostState:
    """What the fetcher knows of one host (scheme://host:port): one request at a time, the
    earliest time of the next one, and its robots.txt rules."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)  # robots.txt fetched once at a time
    next_time: float = 0.0  # time.monotonic() before which no request is made
    robots: object = None  # protego.Protego, or a str: why everything is disallowed
    robots_until: float = 0.0  # when the robots.txt rules are fetched again


def canonical_url(url: str) -> str:
    """One spelling of a URL: lower-case scheme and host, default port, dot segments and
    tracking parameters (utm_*, fbclid, ...) dropped, no fragment (courlan)."""
    from courlan import normalize_url

    url = url.strip()
    parts = urlsplit(url)
    if "/." in parts.path:  # dot segments: urljoin removes them (RFC 3986, 5.2.4)
        url = urljoin(f"{parts.scheme}://{parts.netloc}/", parts.path) + (f"?{parts.query}" if parts.query else "")
    try:
        normal = normalize_url(url)
    except ValueError:
        return url
    return normal.split("#", 1)[0]


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def user_agent(settings: FetchSettings) -> str:
    from .. import __version__

    return f"storyline/{__version__}" + (f" (+{settings.contact_url})" if settings.contact_url else "")


def check_address(host: str, port: int, allow_private: bool | frozenset[str]) -> list[str]:
    """The addresses host resolves to, refused (PrivateAddress) when any is not public.
    allow_private: True allows every address, a set of addresses allows those."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise OSError(f"cannot resolve host {host!r} ({e.strerror or e})") from e
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if allow_private is not True:
        for address in addresses:
            why = None if address in (allow_private or ()) else _not_public(address)
            if why:
                raise PrivateAddress(f"host {host} resolves to a {why} address ({address}); "
                                     f"refused (use --allow-private to fetch it)")
    return addresses


def _not_public(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "private", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None


def _guarded_backend(allow_private: bool):
    import httpcore

    class GuardedBackend(httpcore.SyncBackend):
        """Connects only to checked addresses: the address connected to is the one checked."""

        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            try:
                addresses = check_address(host, port, allow_private)
            except OSError as e:
                raise httpcore.ConnectError(str(e)) from e
            error: Exception | None = None
            for address in addresses:
                try:
                    return super().connect_tcp(address, port, timeout, local_address, socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                    error = e
            raise error or httpcore.ConnectError(f"cannot connect to {host}")

    return GuardedBackend()


def _client(settings: FetchSettings, allow_private: bool):
    import httpcore
    import httpx

    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # the one change to httpx's own: the checked backend
        ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=20, max_keepalive_connections=10,
        network_backend=_guarded_backend(allow_private))
    timeout = httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                            write=settings.read_timeout, pool=settings.connect_timeout)
    encodings = "gzip, deflate" + (", br" if _has_brotli() else "")
    headers = {"User-Agent": user_agent(settings), "Accept-Encoding": encodings,
               "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5"}
    return httpx.Client(transport=transport, timeout=timeout, headers=headers, follow_redirects=False,
                        trust_env=False)


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


class Fetcher:
    """Fetches URLs politely (see the module docstring); thread-safe; one per process is enough."""

    def __init__(self, settings: FetchSettings = FetchSettings(), allow_private: bool | frozenset[str] = False,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.allow_private = allow_private
        self.sleep = sleep
        self.hosts: dict[str, HostState] = {}
        self._hosts_lock = threading.Lock()
        self._client = _client(settings, allow_private)

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def host(self, url: str) -> HostState:
        key = host_key(url)
        with self._hosts_lock:
            return self.hosts.setdefault(key, HostState())

    def fetch(self, url: str, accept: Callable[[str], bool] | None = None,
              headers: dict[str, str] | None = None) -> Page:
        """The page at url (redirects followed); FetchError naming url and the problem otherwise.
        accept(content_type) can refuse a type before the body is read (default: text types).
        headers are sent with every hop (the watcher's If-None-Match / If-Modified-Since: a 304
        comes back as a Page with status 304 and no text)."""
        asked = canonical_url(url)
        deadline = time.monotonic() + self.settings.total_timeout
        seen = [asked]
        current = asked
        moved_to, permanent = None, True
        while True:
            response, body = self._get(asked, current, deadline, accept or _is_text, headers)
            if response.status_code not in REDIRECTS:
                break
            permanent = permanent and response.status_code in (301, 308)
            location = response.headers.get("location")
            if not location:
                raise FetchError(asked, f"HTTP {response.status_code} redirect without a Location", response.status_code)
            current = canonical_url(urljoin(current, location))
            if current in seen:
                raise FetchError(asked, f"redirect loop ({' -> '.join(seen + [current])})", response.status_code)
            if len(seen) > self.settings.max_redirects:
                raise FetchError(asked, f"more than {self.settings.max_redirects} redirects", response.status_code)
            seen.append(current)
            moved_to = current if permanent else moved_to
        if response.status_code >= 400:
            raise FetchError(asked, f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                             response.status_code)
        content_type = response.headers.get("content-type", "")
        if response.status_code == 304:  # not modified: no body
            return Page(url=asked, final_url=current, status=304, content_type=content_type, text="", charset="",
                        headers=dict(response.headers), moved_to=moved_to)
        text, charset, notes = decode_body(current, body, content_type)
        return Page(url=asked, final_url=current, status=response.status_code, content_type=content_type,
                    text=text, charset=charset, notes=notes, headers=dict(response.headers), moved_to=moved_to)

    def fetch_many(self, urls: Iterable[str], workers: int = 4) -> Iterator[Page | FetchError]:
        """Pages (or FetchErrors) of the URLs in their order; different hosts are fetched at
        once, one host's URLs one after the other; a URL whose canonical form came before is
        fetched once."""
        unique = list(dict.fromkeys(canonical_url(u) for u in urls))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            yield from pool.map(self._fetch_or_error, unique)

    def _fetch_or_error(self, url: str) -> Page | FetchError:
        try:
            return self.fetch(url)
        except FetchError as e:
            return e

    # -- one request ---------------------------------------------------------------
    def _get(self, asked: str, url: str, deadline: float, accept: Callable[[str], bool], headers=None):
        """(response, body bytes) of one GET of url (asked, or a redirect hop of it)."""
        try:
            return self._get_hop(asked, url, deadline, accept, headers)
        except RefusedAddress as e:
            raise RefusedAddress(asked, e.problem + (f" (redirect to {url})" if url != asked else "")) from None

    def _get_hop(self, asked: str, url: str, deadline: float, accept: Callable[[str], bool], headers=None):
        """scheme, robots.txt, politeness, retries."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise FetchError(asked, f"only http and https URLs are fetched, not {parts.scheme or 'no scheme'!r}"
                             + (f" (redirect to {url})" if url != asked else ""))
        if not parts.hostname:
            raise FetchError(asked, f"no host in URL {url!r}")
        why = self.robots_refusal(url, deadline)
        if why:
            raise FetchError(asked, why)
        for attempt in range(self.settings.retries + 1):
            response, body = self._polite_request(asked, url, deadline, accept, headers=headers)
            if response.status_code not in (429, 503):
                return response, body
            wait = self._back_off(url, response)
            if attempt == self.settings.retries or wait > self.settings.max_delay \
                    or time.monotonic() + wait > deadline:
                raise FetchError(asked, f"HTTP {response.status_code} {response.reason_phrase}: the host asks to "
                                 f"wait {wait:.0f} s (Retry-After)", response.status_code, retry_after=wait)
        raise AssertionError("unreachable")

    def _polite_request(self, asked: str, url: str, deadline: float, accept, limit: int | None = None,
                        headers=None):
        state = self.host(url)
        with state.lock:  # one request at a time per host
            wait = state.next_time - time.monotonic()
            if wait > self.settings.max_delay or time.monotonic() + wait > deadline:
                raise FetchError(asked, f"the host asked to wait {wait:.0f} s more before the next request",
                                 retry_after=wait)
            if wait > 0:
                self.sleep(wait)
            try:
                return self._request(asked, url, deadline, accept, limit, headers)
            finally:
                state.next_time = max(state.next_time, time.monotonic() + self._delay(state))

    def _delay(self, state: HostState) -> float:
        delay = self.settings.delay
        if state.robots is not None and not isinstance(state.robots, str):
            crawl = state.robots.crawl_delay(ROBOTS_AGENT)
            if crawl:
                delay = max(delay, min(float(crawl), self.settings.max_delay))
        return delay

    def _back_off(self, url: str, response) -> float:
        """Seconds the host asked for (Retry-After, else FetchSettings.backoff); the host waits them."""
        wait = retry_after(response.headers.get("retry-after"))
        wait = self.settings.backoff if wait is None else wait
        state = self.host(url)
        state.next_time = max(state.next_time, time.monotonic() + wait)
        return wait

    def _request(self, asked: str, url: str, deadline: float, accept, limit: int | None = None, headers=None):
        import httpx

        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code in REDIRECTS or response.status_code >= 400 or response.status_code == 304:
                    return response, b""
                content_type = response.headers.get("content-type", "")
                if not accept(content_type):
                    raise FetchError(asked, f"not a text page (Content-Type {content_type.split(';')[0]})",
                                     response.status_code)
                body = read_body(asked, response, self.settings, deadline, limit)
                return response, body
        except PrivateAddress as e:
            raise RefusedAddress(asked, str(e)) from None
        except httpx.TimeoutException as e:
            raise FetchError(asked, f"timed out ({type(e).__name__}: {url})") from None
        except httpx.HTTPError as e:
            raise FetchError(asked, f"cannot fetch {url} ({type(e).__name__}: {e})") from None

    # -- robots.txt --------------------------------------------------------------------
    def robots_refusal(self, url: str, deadline: float) -> str | None:
        """Why robots.txt forbids url (None when it allows it); fetched once per host and kept."""
        state = self.host(url)
        with state.robots_lock:
            if state.robots is None or time.monotonic() >= state.robots_until:
                state.robots, keep = self._load_robots(url, deadline)
                state.robots_until = time.monotonic() + keep
        if isinstance(state.robots, str):
            return state.robots
        if not state.robots.can_fetch(url, ROBOTS_AGENT):
            return f"robots.txt of {urlsplit(url).netloc} disallows it for {ROBOTS_AGENT}"
        return None

    def _load_robots(self, url: str, deadline: float):
        """(protego rules or the reason everything is disallowed, seconds to keep them). RFC 9309:
        4xx means no rules; 5xx or no answer means disallow all for now."""
        from protego import Protego

        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        current = robots_url
        try:
            for _ in range(self.settings.max_redirects + 1):
                response, body = self._polite_request(robots_url, current, deadline, lambda _t: True,
                                                      self.settings.robots_max_bytes)
                location = response.headers.get("location")
                if response.status_code not in REDIRECTS or not location:
                    break
                current = urljoin(current, location)
                if urlsplit(current).scheme not in SCHEMES:
                    break
        except RefusedAddress as e:  # the page's own host: say so for the page
            raise RefusedAddress(url, e.problem) from None
        except FetchError as e:
            return f"robots.txt unreachable ({e.problem}); not fetched for now", self.settings.backoff
        status = response.status_code
        if status in REDIRECTS or 400 <= status < 500:
            return Protego.parse(""), self.settings.robots_seconds
        if status >= 500:
            return f"robots.txt answered HTTP {status}; not fetched for now", self.settings.backoff
        return Protego.parse(body.decode("utf-8", "replace")), self.settings.robots_seconds


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return not kind or bool(TEXT_TYPES.match(kind))


def retry_after(value: str | None) -> float | None:
    """Seconds of a Retry-After header (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# -- the body ----------------------------------------------------------------------------
def read_body(url: str, response, settings: FetchSettings, deadline: float, limit: int | None = None) -> bytes:
    """The body, decompressed, within the size caps and the deadline."""
    cap = limit or settings.max_bytes
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise FetchError(url, f"response too large ({int(length):,} bytes, limit {cap:,})")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    decoder = _decoder(url, encoding, settings.max_decoded_bytes if not limit else limit)
    received = 0
    for chunk in response.iter_raw():
        received += len(chunk)
        if received > cap:
            raise FetchError(url, f"response too large (over {cap:,} bytes)")
        if time.monotonic() > deadline:
            raise FetchError(url, f"took longer than {settings.total_timeout:g} s (body still arriving)")
        decoder.feed(chunk)
    return decoder.finish()


class _Decoder:
    """Decompresses in bounded steps, refusing output over max_out bytes."""

    def __init__(self, url: str, encoding: str, max_out: int):
        self.url, self.encoding, self.max_out = url, encoding, max_out
        self.parts: list[bytes] = []
        self.size = 0
        self.zlib = None
        self.brotli = None
        if encoding in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.zlib = None  # zlib-wrapped or raw: decided by the first bytes
        elif encoding == "br":
            import brotli

            self.brotli = brotli.Decompressor()

    def _out(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_out:
            what = f"{self.encoding}-compressed body" if self.encoding != "identity" else "body"
            raise FetchError(self.url, f"{what} expands past {self.max_out:,} bytes (a compression bomb?); refused")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        try:
            if self.encoding == "identity":
                self._out(chunk)
            elif self.brotli is not None:
                self._feed_brotli(chunk)
            else:
                if self.zlib is None:  # deflate: RFC says zlib-wrapped; some servers send it raw
                    self.zlib = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(chunk) else -zlib.MAX_WBITS)
                data = chunk
                while data:
                    self._out(self.zlib.decompress(data, self.max_out - self.size + 1))
                    data = self.zlib.unconsumed_tail
        except FetchError:
            raise
        except Exception as e:  # zlib.error, brotli.error
            raise FetchError(self.url, f"corrupt {self.encoding} body ({e})") from None

    def _feed_brotli(self, chunk: bytes) -> None:
        limit = self.max_out - self.size + 1
        self._out(self.brotli.process(chunk, output_buffer_limit=limit))
        while not self.brotli.can_accept_more_data():
            self._out(self.brotli.process(b"", output_buffer_limit=self.max_out - self.size + 1))

    def finish(self) -> bytes:
        if self.zlib is not None:
            try:
                self._out(self.zlib.flush())
            except zlib.error as e:
                raise FetchError(self.url, f"corrupt {self.encoding} body ({e})") from None
        return b"".join(self.parts)


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] * 256 + data[1]) % 31 == 0


def _decoder(url: str, encoding: str, max_out: int) -> _Decoder:
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate") and not (encoding == "br" and _has_brotli()):
        raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")
    return _Decoder(url, encoding or "identity", max_out)


# -- the charset ---------------------------------------------------------------------------
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def decode_body(url: str, body: bytes, content_type: str) -> tuple[str, str, list[str]]:
    """(text, charset used, notes): the header's charset, then the page's <meta>, then
    detection; a declaration the bytes contradict is passed over (with a note)."""
    import codecs
    import warnings

    from .files import BOMS, DecodeWarning, decode

    notes: list[str] = []
    declared = [("header", m.group(1).decode("ascii", "replace"))
                for m in [re.search(rb"charset\s*=\s*[\"']?([\w.:-]+)", content_type.encode("latin-1", "replace"),
                                    re.I)] if m]
    declared += [("page", m.group(1).decode("ascii", "replace")) for m in [META_CHARSET.search(body[:4096])] if m]
    if not any(body.startswith(bom) for bom, _ in BOMS) and not body.startswith(codecs.BOM_UTF8):
        for where, name in declared:
            try:
                codec = codecs.lookup(name).name
            except LookupError:
                notes.append(f"{url}: unknown charset {name!r} declared by the {where}, ignored")
                continue
            if codec in {codecs.lookup(w).name for w in WESTERN} and _utf8_multibyte(body):
                notes.append(f"{url}: declared charset {name} ({where}) but the bytes are UTF-8; read as UTF-8")
                return body.decode("utf-8"), "utf-8", notes
            try:
                return body.decode(codec), codec, notes
            except UnicodeDecodeError:
                notes.append(f"{url}: declared charset {name} ({where}) does not fit the bytes; ignored")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecodeWarning)
        text = decode(url, body)
    notes += [str(w.message) for w in caught if issubclass(w.category, DecodeWarning)]
    return text, "detected", notes


def _utf8_multibyte(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- a fetched page as articles ----------------------------------------------------------------
LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


def page_canonical(page: Page) -> str:
    """The page's <link rel=canonical> (made absolute and canonicalised), else its final URL."""
    import html

    for tag in LINK_TAG.findall(page.text[:200_000]):
        attrs = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                 for m in ATTR.finditer(tag)}
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href", "").strip():
            url = urljoin(page.final_url, attrs["href"].strip())
            if urlsplit(url).scheme in SCHEMES and urlsplit(url).hostname:
                return canonical_url(url)
    return page.final_url


def read_page(page: Page, published=None, settings=None) -> Iterator:
    """The articles of a fetched page (Article or InputError items) by the same reader as a
    file's (ingest.read_decoded); an HTML page's article gets the page's canonical URL."""
    from ..settings import IngestSettings
    from . import read_decoded

    kind = page.content_type.split(";", 1)[0].strip().lower()
    kind = "html" if kind in ("text/html", "application/xhtml+xml") else "feed" if kind in FEED_TYPES else None
    url = page_canonical(page) if kind != "feed" else page.final_url
    for item in read_decoded(page.url, page.text, kind, None, published, settings or IngestSettings(),
                             page.notes, url=url):
        if not isinstance(item, InputError) and kind != "feed":
            item.url = url
        yield item


def fetch_articles(fetcher: Fetcher, urls: Iterable[str], published=None, settings=None) -> Iterator:
    """Article or InputError items of the pages at urls, in order (each canonical URL fetched once)."""
    for page in fetcher.fetch_many(urls):
        if isinstance(page, FetchError):
            yield page
        else:
            yield from read_page(page, published, settings)
