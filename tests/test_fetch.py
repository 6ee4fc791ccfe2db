"""Fetching pages over HTTP: a server the tests start on 127.0.0.1 serves real pages of the
extraction benchmark (../shared/corpus/extraction/html) and the hostile answers a fetcher
meets (slow, trickling, oversized, compression bombs, redirect loops, wrong charsets,
robots.txt rules, 429/503 with Retry-After, redirects to private addresses)."""
from __future__ import annotations

import gzip
import http.server
import threading
import time
import zlib
from dataclasses import replace

import pytest

from storyline.ingest import read_file
from storyline.ingest.fetch import (
    Fetcher,
    FetchError,
    RefusedAddress,
    canonical_url,
    fetch_articles,
    retry_after,
)
from storyline.model import Article
from storyline.settings import FetchSettings
from tests.conftest import CORPUS
from tests.loopback import serve_in_thread

PAGES = CORPUS / "extraction" / "html"
# Real pages: two whose text is all cp1252-encodable (curly quotes, dashes), one with a
# <link rel=canonical> to its site's own URL.
PLAIN = "14cc2a0ca59c62a8c9f205a171e9ccf4ef4cf69b0c642f51c8c65c051b39024f"
OTHER = "359fee228518d55b921194561e9ca88e428df81940246f8fac7a75398377daea"
CANONICAL = "4648a420af9984d45b76a4afedf4f74965f8a2e0bf1c69bd3da2dc189020f3c9"

FAST = FetchSettings(delay=0.0, connect_timeout=2.0, read_timeout=2.0, total_timeout=10.0, max_delay=5.0,
                     backoff=30.0)
LOOPBACK = frozenset({"127.0.0.1"})  # this server only: other private addresses stay refused


def page_bytes(key: str) -> bytes:
    path = PAGES / f"{key}.html.gz"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return gzip.decompress(path.read_bytes())


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.log: list[tuple[str, float]] = []  # (path with query, time) of every request
        self.robots = b"User-agent: *\nDisallow: /private/\n"
        self.routes: dict = {}  # path -> handler(request) for a test's own answers
        self.busy: dict[str, int] = {}  # path -> answers of 429 still to give
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def requests(self, prefix: str) -> list[str]:
        return [path for path, _ in self.log if path.startswith(prefix)]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        server: Server = self.server
        with server.lock:
            server.log.append((self.path, time.monotonic()))
            server.in_flight += 1
            server.most_in_flight = max(server.most_in_flight, server.in_flight)
        try:
            self.route(server)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with server.lock:
                server.in_flight -= 1

    def route(self, server: Server):
        path = self.path.split("?", 1)[0]
        if path in server.routes:
            return server.routes[path](self)
        if path == "/robots.txt":
            return self.send(200, server.robots, "text/plain")
        if path.startswith(("/page/", "/mirror/", "/private/")):
            time.sleep(0.05)  # long enough for two requests at once to overlap
            return self.send(200, page_bytes(path.rsplit("/", 1)[1]), "text/html; charset=utf-8")
        return self.send(404, b"not found", "text/plain")

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302):
        self.send(status, b"", "text/plain", {"Location": location})


@pytest.fixture(scope="module")
def server():
    yield from serve_in_thread(Server())


@pytest.fixture
def web(server):
    server.log.clear()
    server.routes.clear()
    server.most_in_flight = 0
    server.robots = b"User-agent: *\nDisallow: /private/\n"
    return server


def fetcher(settings: FetchSettings = FAST, allow=LOOPBACK) -> Fetcher:
    return Fetcher(settings, allow_private=allow)


# -- the pages themselves ----------------------------------------------------------------
def test_a_fetched_page_is_read_as_the_same_file_would_be(web, tmp_path):
    with fetcher() as f:
        page = f.fetch(f"{web.base}/page/{PLAIN}")
        fetched = list(fetch_articles(f, [f"{web.base}/page/{PLAIN}"]))
    assert page.status == 200 and page.charset == "utf-8"
    file = tmp_path / "page.html"
    file.write_bytes(page_bytes(PLAIN))
    [from_file] = list(read_file(file))
    [article] = fetched
    assert isinstance(article, Article) and article.id == from_file.id and article.text == from_file.text
    assert article.source == f"{web.base}/page/{PLAIN}"
    assert article.url == f"{web.base}/page/{PLAIN}"  # the page names no canonical URL


def test_the_pages_canonical_link_wins(web):
    with fetcher() as f:
        [article] = list(fetch_articles(f, [f"{web.base}/page/{CANONICAL}?utm_source=feed"]))
    assert article.url == "https://www.expapp.com/blog/introducing-junior-gaspard-new-ceo-experience/"
    assert article.source == f"{web.base}/page/{CANONICAL}"


def test_a_relative_canonical_link_is_made_absolute(web):
    body = page_bytes(PLAIN).replace(b"<head>", b'<head><link href="/story/1#top" rel="canonical">', 1)
    web.routes["/rel"] = lambda h: h.send(200, body, "text/html")
    with fetcher() as f:
        [article] = list(fetch_articles(f, [f"{web.base}/rel"]))
    assert article.url == f"{web.base}/story/1"


def test_one_article_under_two_urls_is_fetched_and_stored_once(web, store):
    from storyline.pipeline import Pipeline

    urls = [f"{web.base}/page/{PLAIN}?utm_source=rss&utm_medium=feed",
            f"{web.base}/page/{PLAIN}?fbclid=abc123#comments",
            f"{web.base}/mirror/{PLAIN}?utm_campaign=daily",  # another path, same page
            f"{web.base}/page/{OTHER}"]
    with fetcher() as f:
        report = Pipeline(store=store).fetch(urls, f)
    assert web.requests(f"/page/{PLAIN}") == [f"/page/{PLAIN}"]  # tracking parameters dropped: one request
    assert len(web.requests("/mirror/")) == 1
    assert len(report.added) == 2 and len(report.known) == 1 and not report.errors
    assert store.count_articles() == 2
    assert {a.url for a in report.added} == {f"{web.base}/page/{PLAIN}", f"{web.base}/page/{OTHER}"}
    with fetcher() as f:  # again: already stored, nothing added
        again = Pipeline(store=store).fetch(urls[:1], f)
    assert not again.added and len(again.known) == 1 and store.count_articles() == 2


def test_canonical_urls():
    assert canonical_url("HTTP://Example.COM:80/a/./b/../c?utm_source=x&id=7&fbclid=y#frag") == \
        "http://example.com/a/c?id=7"
    assert canonical_url("https://example.com/a?b=2&a=1") == canonical_url("https://example.com/a?a=1&b=2")


# -- charsets -------------------------------------------------------------------------------
def test_a_wrong_declared_charset_loses_to_the_bytes(web):
    original = page_bytes(PLAIN).decode("utf-8")
    assert not original.isascii()
    cp1252 = original.encode("cp1252")  # the page and the header still say utf-8
    web.routes["/cp1252"] = lambda h: h.send(200, cp1252, "text/html; charset=utf-8")
    web.routes["/latin1"] = lambda h: h.send(200, original.encode("utf-8"), "text/html; charset=iso-8859-1")
    with fetcher() as f:
        as_cp1252 = f.fetch(f"{web.base}/cp1252")
        as_latin1 = f.fetch(f"{web.base}/latin1")
    assert as_cp1252.text == original and as_latin1.text == original
    assert any("does not fit" in n for n in as_cp1252.notes)
    assert any("bytes are UTF-8" in n for n in as_latin1.notes)


def test_the_header_charset_wins_over_the_page_when_both_fit(web):
    words = "\u041d\u043e\u0432\u043e\u0441\u0442\u0438 \u0434\u043d\u044f"  # "news of the day"
    text = f"<html><head><meta charset='koi8-r'><title>t</title></head><body>{words}</body></html>"
    web.routes["/cyrillic"] = lambda h: h.send(200, text.encode("cp1251"), "text/html; charset=windows-1251")
    with fetcher() as f:
        page = f.fetch(f"{web.base}/cyrillic")
    assert words in page.text and page.charset == "cp1251" and not page.notes


# -- limits ----------------------------------------------------------------------------------
def test_a_stalled_response_times_out(web):
    def stall(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(b"<html>")
        h.wfile.flush()
        time.sleep(2.0)

    web.routes["/stall"] = stall
    with fetcher(replace(FAST, read_timeout=0.5)) as f, pytest.raises(FetchError, match="timed out"):
        started = time.monotonic()
        f.fetch(f"{web.base}/stall")
    assert time.monotonic() - started < 1.9


def test_a_trickling_body_hits_the_total_timeout(web):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        for _ in range(100):  # a byte every 50 ms: the read timeout never fires
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.05)

    web.routes["/trickle"] = trickle
    started = time.monotonic()
    with fetcher(replace(FAST, read_timeout=1.0, total_timeout=1.0)) as f, \
            pytest.raises(FetchError, match="took longer than 1 s"):
        f.fetch(f"{web.base}/trickle")
    assert time.monotonic() - started < 3.0


def test_a_body_over_the_cap_is_refused(web):
    body = page_bytes(OTHER)
    assert len(body) > 20_000

    def chunked(h):  # no Content-Length: the fetcher must count
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.close_connection = True

    web.routes["/big"] = lambda h: h.send(200, body, "text/html")
    web.routes["/big-unsized"] = chunked
    with fetcher(replace(FAST, max_bytes=20_000)) as f:
        with pytest.raises(FetchError, match=r"too large \([\d,]+ bytes, limit 20,000\)"):
            f.fetch(f"{web.base}/big")
        with pytest.raises(FetchError, match="too large .over 20,000 bytes"):
            f.fetch(f"{web.base}/big-unsized")
    with fetcher(replace(FAST, max_bytes=len(body) + 1)) as f:  # just under the cap: fetched whole
        assert f.fetch(f"{web.base}/big").text == body.decode("utf-8")


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_compression_bomb_is_refused(web, encoding):
    zeros = b"\0" * 10_000_000
    if encoding == "gzip":
        bomb = gzip.compress(zeros, 9)
    elif encoding == "deflate":
        bomb = zlib.compress(zeros, 9)
    else:
        brotli = pytest.importorskip("brotli")
        bomb = brotli.compress(zeros, quality=4)
    assert len(bomb) < 100_000
    web.routes["/bomb"] = lambda h: h.send(200, bomb, "text/html", {"Content-Encoding": encoding})
    web.routes["/fine"] = lambda h: h.send(200, gzip.compress(page_bytes(PLAIN)) if encoding == "gzip" else
                                           zlib.compress(page_bytes(PLAIN)) if encoding == "deflate" else
                                           pytest.importorskip("brotli").compress(page_bytes(PLAIN)),
                                           "text/html; charset=utf-8", {"Content-Encoding": encoding})
    with fetcher(replace(FAST, max_decoded_bytes=2_000_000)) as f:
        with pytest.raises(FetchError, match=f"{encoding}-compressed body expands past 2,000,000 bytes"):
            f.fetch(f"{web.base}/bomb")
        assert f.fetch(f"{web.base}/fine").text == page_bytes(PLAIN).decode("utf-8")


# -- redirects and schemes ----------------------------------------------------------------------
def test_redirects_are_followed_up_to_the_limit(web):
    for n in range(1, 8):
        web.routes[f"/hop{n}"] = lambda h, n=n: h.redirect(f"/hop{n - 1}" if n > 1 else f"/page/{PLAIN}")
    with fetcher() as f:
        page = f.fetch(f"{web.base}/hop5")
        assert page.final_url == f"{web.base}/page/{PLAIN}" and page.url == f"{web.base}/hop5"
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.fetch(f"{web.base}/hop6")


def test_a_redirect_loop_is_refused(web):
    web.routes["/a"] = lambda h: h.redirect("/b?utm_source=loop")
    web.routes["/b"] = lambda h: h.redirect("/a", 301)
    with fetcher() as f, pytest.raises(FetchError, match="redirect loop"):
        f.fetch(f"{web.base}/a")
    assert len(web.requests("/a")) == 1 and len(web.requests("/b")) == 1


def test_only_http_and_https(web):
    web.routes["/to-ftp"] = lambda h: h.redirect("ftp://example.com/file")
    with fetcher() as f:
        with pytest.raises(FetchError, match="only http and https URLs are fetched, not 'file'"):
            f.fetch("file:///etc/passwd")
        with pytest.raises(FetchError, match="not 'ftp' .redirect to ftp://example.com/file"):
            f.fetch(f"{web.base}/to-ftp")


# -- private addresses -------------------------------------------------------------------------
def test_a_private_address_is_refused_without_allow_private(web):
    with fetcher(allow=False) as f, pytest.raises(RefusedAddress) as caught:
        f.fetch(f"{web.base}/page/{PLAIN}")
    message = str(caught.value)
    assert message.startswith(f"{web.base}/page/{PLAIN}: host 127.0.0.1 resolves to a loopback address")
    assert "--allow-private" in message and "\n" not in message
    assert web.log == []  # not even robots.txt was asked for


@pytest.mark.parametrize("target, kind", [("http://10.1.2.3/x", "private"), ("http://127.0.0.2:{port}/x", "loopback"),
                                          ("http://169.254.169.254/latest/meta-data/", "link-local"),
                                          ("http://[::ffff:192.168.0.1]/", "private"), ("http://224.0.0.1/", "multicast")])
def test_a_redirect_hop_to_a_private_address_is_refused(web, target, kind):
    target = target.format(port=web.server_address[1])
    web.routes["/out"] = lambda h: h.redirect(target)
    with fetcher() as f, pytest.raises(RefusedAddress, match=f"resolves to a {kind} address.*redirect to"):
        f.fetch(f"{web.base}/out")


def test_allow_private_reaches_the_loopback_server(web):
    with fetcher(allow=True) as f:
        assert f.fetch(f"{web.base}/page/{PLAIN}").status == 200


# -- politeness -------------------------------------------------------------------------------------
def test_robots_txt_disallow_is_honoured_and_fetched_once(web):
    web.robots = b"User-agent: *\nAllow: /\n\nUser-agent: storyline\nDisallow: /page/\n"
    with fetcher() as f:
        with pytest.raises(FetchError, match="robots.txt of 127.0.0.1:\\d+ disallows it for storyline"):
            f.fetch(f"{web.base}/page/{PLAIN}")
        assert f.fetch(f"{web.base}/mirror/{PLAIN}").status == 200
        with pytest.raises(FetchError, match="disallows"):
            f.fetch(f"{web.base}/page/{OTHER}")
    assert web.requests("/robots.txt") == ["/robots.txt"]  # once per host
    assert web.requests("/page/") == []


def test_a_missing_robots_txt_allows_and_an_erroring_one_forbids(web):
    web.routes["/robots.txt"] = lambda h: h.send(404, b"", "text/plain")
    with fetcher() as f:
        assert f.fetch(f"{web.base}/page/{PLAIN}").status == 200
    web.routes["/robots.txt"] = lambda h: h.send(500, b"", "text/plain")
    with fetcher() as f, pytest.raises(FetchError, match="robots.txt answered HTTP 500"):
        f.fetch(f"{web.base}/page/{PLAIN}")


def test_one_request_at_a_time_per_host_with_a_delay(web):
    urls = [f"{web.base}/page/{PLAIN}", f"{web.base}/page/{OTHER}", f"{web.base}/page/{CANONICAL}",
            f"{web.base}/mirror/{PLAIN}"]
    with fetcher(replace(FAST, delay=0.3)) as f:
        pages = list(f.fetch_many(urls, workers=4))
    assert all(p.status == 200 for p in pages) and [p.url for p in pages] == urls
    assert web.most_in_flight == 1
    times = [t for path, t in web.log if not path.startswith("/robots")]
    assert len(times) == 4 and all(b - a >= 0.29 for a, b in zip(times, times[1:]))


def test_crawl_delay_of_robots_txt_is_kept(web):
    web.robots = b"User-agent: *\nCrawl-delay: 0.5\n"
    with fetcher() as f:
        f.fetch(f"{web.base}/page/{PLAIN}")
        f.fetch(f"{web.base}/page/{OTHER}")
    times = [t for path, t in web.log if path.startswith("/page/")]
    assert times[1] - times[0] >= 0.49


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_waited_then_the_page_fetched(web, status):
    answers = [status]

    def busy(h):
        if answers:
            answers.pop()
            return h.send(status, b"slow down", "text/plain", {"Retry-After": "1"})
        return h.send(200, page_bytes(PLAIN), "text/html; charset=utf-8")

    web.routes["/busy"] = busy
    with fetcher() as f:
        assert f.fetch(f"{web.base}/busy").status == 200
    times = [t for path, t in web.log if path == "/busy"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95


def test_a_long_retry_after_is_reported_and_the_host_left_alone(web):
    web.routes["/gone-away"] = lambda h: h.send(503, b"", "text/plain", {"Retry-After": "3600"})
    with fetcher() as f:
        started = time.monotonic()
        with pytest.raises(FetchError, match="HTTP 503 Service Unavailable: the host asks to wait 3600 s") as caught:
            f.fetch(f"{web.base}/gone-away")
        assert caught.value.status == 503 and caught.value.retry_after == 3600
        with pytest.raises(FetchError, match="asked to wait 3600 s more"):  # the same host, at once
            f.fetch(f"{web.base}/page/{PLAIN}")
    assert time.monotonic() - started < 1.0
    assert web.requests("/page/") == []


def test_retry_after_as_a_date():
    from email.utils import formatdate

    assert 58 <= retry_after(formatdate(time.time() + 60, usegmt=True)) <= 60
    assert retry_after("120") == 120 and retry_after("soon") is None and retry_after(None) is None


def test_the_user_agent_names_storyline_and_the_contact(web):
    seen = []
    web.routes["/ua"] = lambda h: (seen.append(h.headers.get("User-Agent")), h.send(200, b"<html>hi</html>",
                                                                                     "text/html"))
    with fetcher(replace(FAST, contact_url="https://example.org/about-my-bot")) as f:
        f.fetch(f"{web.base}/ua")
    assert seen[0].startswith("storyline/") and seen[0].endswith("(+https://example.org/about-my-bot)")


def test_a_binary_type_is_refused_before_its_body(web):
    web.routes["/img"] = lambda h: h.send(200, b"\x89PNG" + b"\0" * 1000, "image/png")
    with fetcher() as f, pytest.raises(FetchError, match=r"not a text page \(Content-Type image/png\)"):
        f.fetch(f"{web.base}/img")


# -- the command ---------------------------------------------------------------------------------------
def test_the_fetch_command(web, tmp_path, capsys):
    from storyline.cli import main
    from storyline.store import Store

    db = str(tmp_path / "s.db")
    urls = [f"{web.base}/page/{PLAIN}?utm_source=a", f"{web.base}/page/{PLAIN}?utm_source=b",
            f"{web.base}/private/{OTHER}"]
    assert main(["--db", db, "fetch", "--allow-private", "--delay", "0", "-q", *urls]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "1 added, 0 already stored, 1 errors"
    assert err.strip() == f"storyline: {web.base}/private/{OTHER}: robots.txt of 127.0.0.1:{web.server_address[1]} " \
                          f"disallows it for storyline"
    assert main(["--db", db, "fetch", "-q", f"{web.base}/page/{OTHER}"]) == 1
    out, err = capsys.readouterr()
    assert "resolves to a loopback address (127.0.0.1); refused (use --allow-private" in err
    assert len(err.strip().splitlines()) == 1
    with Store(db) as store:
        assert store.count_articles() == 1
