"""The web app in headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright for Python): stories page -> story -> citation -> highlighted
source sentence, a file upload, and a hostile article that must stay inert.
Saves a screenshot of the story page to bench/out/story.png."""
from __future__ import annotations

import base64
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                "(apt-get install -y chromium chromium-driver)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright for Python (pip install playwright)")

from .test_web_api import REPORT, article_id, build_store  # noqa: E402

BENCH_OUT = Path(__file__).resolve().parents[1] / "bench" / "out"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("browser") / "web.db")


def serve_app(app, stop_seconds: float = 10):
    """uvicorn serving the app on a free loopback port, in a thread: yields its base URL
    (use with `yield from` inside a fixture)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=stop_seconds)


@pytest.fixture(scope="module")
def base_url(db):
    from storyline.web import create_app

    yield from serve_app(create_app(db))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(90_000)  # the first story page computes its brief (models load once)
    yield pg
    context.close()


def test_story_citation_opens_highlighted_sentence(page, base_url):
    page.goto(base_url + "/")
    page.get_by_role("link", name="Marrow Falls", exact=False).first.click()
    page.wait_for_selector("#summary")
    assert "/stories/" in page.url
    summary = page.inner_text("#summary")
    assert len(summary.split()) > 15

    BENCH_OUT.mkdir(parents=True, exist_ok=True)
    shot = BENCH_OUT / "story.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    width, height = png_size(data)
    assert width >= 1000 and height >= 600
    ink = page.evaluate(INK_JS, "data:image/png;base64," + base64.b64encode(data).decode())
    assert ink["inked"] > 0.02 and ink["colours"] > 20, ink  # text and colours, not a blank page

    cite = page.locator("#summary a.cite").first
    cited_text = cite.get_attribute("title")
    cite.click()
    page.wait_for_selector(".sent.hl")
    assert "/articles/" in page.url and "#s" in page.url
    highlighted = page.locator(".sent.hl")
    assert highlighted.count() == 1 and highlighted.is_visible()
    assert " ".join(highlighted.inner_text().split()) == " ".join(cited_text.split())
    # the highlight is visible as a colour, not only as a class name
    colour = highlighted.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")


def test_upload_from_browser(page, base_url, tmp_path):
    report = tmp_path / "ferry report.txt"
    report.write_text(REPORT, encoding="utf-8")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    page.goto(base_url + "/ingest")
    page.set_input_files("#files", [str(report), str(bad)])
    page.click("#upload button[type=submit]")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Done')")
    results = page.inner_text("#results")
    assert "1 added" in results and "1 error" in results
    assert "ferry_report.txt" in results and "broken.json" in results and "invalid JSON" in results
    assert page.locator("progress").evaluate("e => e.value") == 100
    page.get_by_role("link", name="Ferry link to Isle Corran suspended after engine fire").click()
    page.wait_for_selector("article.article h1")
    assert page.inner_text("h1") == "Ferry link to Isle Corran suspended after engine fire"


def test_hostile_article_stays_inert(page, base_url, db):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base_url}/articles/{article_id(db, 'Harbour festival')}")
    assert "<script>alert('title')</script>" in page.inner_text("h1")
    assert "<script>alert('text')</script>" in page.inner_text("div.text")
    assert page.evaluate("document.querySelectorAll('main script, main img, main b').length") == 0
    page.hover("div.text")
    page.goto(base_url + "/?q=harbour")
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert dialogs == []


def test_api_docs_work_offline(page, base_url):
    """The nav link "API" opens a docs page that loads nothing from another site (offline,
    a CDN's Swagger UI was a blank page), lists the endpoints and tries one."""
    foreign = []

    def only_loopback(route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(base_url + "/")
    page.get_by_role("link", name="API", exact=True).click()
    page.wait_for_selector("section.api-op")
    assert page.url == base_url + "/docs"
    assert "GET /api/search" in page.inner_text("main") and "POST /api/ingest" in page.inner_text("main")
    assert page.locator("section.api-op").count() >= 8 and page.locator("section.api-op").first.is_visible()
    form = page.locator("#api_search_api_search_get form.api-try")
    form.locator("input[name=q]").fill("boil")
    form.locator("button").click()
    page.wait_for_url("**/api/search?*")
    assert '"q":"boil"' in page.inner_text("body").replace(" ", "")
    assert foreign == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# Decodes the PNG in the browser (an <img> drawn on a canvas) and counts its pixels:
# the share that differ from the most common colour, and the number of distinct colours.
INK_JS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = new Map();
  for (let i = 0; i < px.length; i += 4) {
    const key = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const background = Math.max(...counts.values());
  const total = px.length / 4;
  return {inked: (total - background) / total, colours: counts.size};
}"""


# -- live sources (issue 20): the feeds page and the live stories list, with the watcher
# running in the app's process (serve --watch) over a database of their own ---------------
@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(the app's URL, its database, a feed server on 127.0.0.1): the app runs a Service
    (storyline serve --watch) and its stories page polls every second."""
    from dataclasses import replace

    from storyline.settings import DEFAULT_SETTINGS
    from storyline.watch import Service
    from storyline.web import create_app

    from .loopback import serve_in_thread
    from .test_feeds import FEEDS
    from .test_fetch import FAST, LOOPBACK, Server

    db = build_store(tmp_path_factory.mktemp("live") / "live.db")
    settings = replace(DEFAULT_SETTINGS, feeds=FEEDS, fetch=FAST)
    service = Service(db, settings, interval=1.0, allow_private=LOOPBACK)
    app = serve_app(create_app(db, watch=service, live_poll_seconds=1), stop_seconds=120)
    feeds = serve_in_thread(Server())
    yield next(app), db, next(feeds)
    next(app, None)  # stops the app (and its watcher)
    next(feeds, None)  # stops the feed server
    assert not service.running and service.errors == []


def test_feeds_page_follows_a_feed_and_shows_its_health(page, live):
    from .test_feeds import Feed, corpus_articles, rss

    base, _db, feeds = live
    entries = [(k, a, False) for k, a in corpus_articles(2)]
    feeds.routes["/desk.xml"] = Feed(rss(feeds.base, entries, title="Browser &lt;b&gt;desk&lt;/b&gt;"))
    url = feeds.base + "/desk.xml"
    page.goto(base + "/")
    page.get_by_role("link", name="Feeds", exact=True).click()
    page.wait_for_selector("#add-feed")
    page.fill("#add-feed input[name=url]", url)
    page.click("#add-feed button[type=submit]")
    page.wait_for_selector("#feed-result li.ok")
    assert f"{url}: followed" in page.inner_text("#feed-result")
    row = page.locator(f'tr.feed[data-url="{url}"]')
    assert row.count() == 1 and url in row.inner_text()
    deadline = time.monotonic() + 120
    while "HTTP 200" not in row.inner_text() and time.monotonic() < deadline:  # the watcher polls it at once
        time.sleep(0.5)
        page.reload()
    text = row.inner_text()
    assert "HTTP 200" in text and "Browser <b>desk</b>" in text, text  # the feed's title, as text
    assert row.locator("td.num").inner_text() == "2"
    assert page.evaluate("document.querySelectorAll('main b').length") == 0


def test_stories_list_shows_a_new_story_without_reload(page, live, tmp_path):
    from storyline.model import PartialDate
    from storyline.pipeline import Pipeline
    from storyline.store import Store

    base, db, _feeds = live
    page.goto(base + "/")
    page.wait_for_selector("#story-list tr[data-story]")
    page.evaluate("window.notReloaded = true")
    title = "Lighthouse keepers vote to strike at Cape Orrin"
    assert title not in page.inner_text("main")
    report = tmp_path / "lighthouse.txt"
    report.write_text(f"{title}\n\nKeepers at the Cape Orrin lighthouse voted on Friday to strike over staffing, "
                      "their union said.\n\nThe Coastal Lights Board said the light would stay lit.\n",
                      encoding="utf-8")
    with Store(db) as store:  # another writer, as `storyline ingest` would be
        assert len(Pipeline(store=store).ingest([str(report)], published=PartialDate.parse("2024-10-11")).added) == 1
    fresh = page.locator("#story-list tr.new-story", has_text=title)
    fresh.wait_for(timeout=60_000)
    assert page.evaluate("window.notReloaded") is True  # the list changed, the page was not reloaded
    assert fresh.count() == 1 and "new" in page.inner_text("#live-status")
