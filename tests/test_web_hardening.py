"""The web app's answers to the odd inputs of issue 19: huge integers, non-article
uploads, CMS default dates, the offline API docs, where an article came from, the
stories list and the timeline chart's layout. Every text here is invented."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from storyline.model import TimelineEntry  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.web import create_app  # noqa: E402

from .test_hardening import TEXT, TEXT2  # noqa: E402
from .test_web_api import build_store  # noqa: E402

HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def web_db(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("hard") / "web.db")


@pytest.fixture(scope="module")
def client(web_db):
    return TestClient(create_app(web_db))


@pytest.mark.parametrize("url", [f"/api/articles?page={HUGE}", f"/api/search?q=a&offset={HUGE}",
                                 f"/api/search?q=a&limit={HUGE}", f"/api/stories?page={HUGE}",
                                 f"/api/stories?per_page={HUGE}", f"/api/articles?per_page={HUGE}",
                                 f"/?page={HUGE}", "/api/articles?page=-" + HUGE, "/api/search?q=a&offset=1e30"])
def test_huge_integers_are_422_with_a_message(client, url):
    r = client.get(url)
    assert r.status_code == 422
    text = " ".join(r.json()["detail"]) if url.startswith("/api") else r.text
    assert re.search(r"(page|offset|limit|per_page): Input should be", text)


def test_article_page_sentence_parameter_is_bounded(client, web_db):
    with Store(web_db) as store:
        aid = next(store.articles()).id
    assert client.get(f"/articles/{aid}?s={HUGE}").status_code == 422
    assert client.get(f"/articles/{aid}?s=2").status_code == 200


def test_article_page_names_the_file_not_the_server_path(tmp_path):
    src = tmp_path / "private" / "folder" / "pier.jsonl"
    src.parent.mkdir(parents=True)
    src.write_text(json.dumps({"title": "Pier vote", "text": TEXT}) + "\n")
    from storyline.pipeline import Pipeline

    with Store(tmp_path / "p.db") as store:
        (a,) = Pipeline(store=store).ingest([str(src)]).added
    page = TestClient(create_app(tmp_path / "p.db")).get(f"/articles/{a.id}").text
    assert "pier.jsonl:1" in page and str(src.parent) not in page


def upload(client, name: str, data: bytes, **form):
    return client.post("/api/ingest", files=[("files", (name, data, "application/octet-stream"))], data=form)


def test_an_upload_not_named_as_an_article_type_is_not_read(tmp_path):
    client = TestClient(create_app(tmp_path / "u.db"))
    for name in ("storm.exe", "storm", "storm.txt.exe", "storm.svg"):
        r = upload(client, name, ("Storm hits Wenlow\n\n" + TEXT).encode())
        assert r.status_code == 422
        (result,) = r.json()["files"]
        assert not result["added"] and "not an article file type" in result["errors"][0]
    assert upload(client, "storm.txt", ("Storm hits Wenlow\n\n" + TEXT).encode()).status_code == 200
    with Store(tmp_path / "u.db") as store:
        assert store.count_articles() == 1


@pytest.mark.parametrize("published", ["0000-01-01", "0001-01-01", "yesterday", "2999-01-01"])
def test_uploaded_record_with_an_impossible_date_is_stored_undated_in_a_story(tmp_path, published):
    client = TestClient(create_app(tmp_path / "r.db"))
    r = upload(client, "cms.jsonl", json.dumps({"title": "Pier vote", "text": TEXT, "published": published}).encode())
    assert r.status_code == 200, r.text
    (added,) = r.json()["files"][0]["added"]
    assert added["story_id"]
    for path in ("", "/brief", "/timeline"):
        assert client.get(f"/api/stories/{added['story_id']}{path}").status_code == 200
    assert client.get(f"/stories/{added['story_id']}").status_code == 200
    assert client.get(f"/api/articles/{added['id']}").json()["published"] is None


@pytest.mark.parametrize("published", ["0000-01-01", "1799-12-31", "2999-01-01"])
def test_upload_published_field_out_of_range_is_422(tmp_path, published):
    client = TestClient(create_app(tmp_path / "p.db"))
    r = upload(client, "pier.txt", ("Pier vote\n\n" + TEXT).encode(), published=published)
    assert r.status_code == 422 and "published:" in r.json()["detail"]


def test_api_docs_are_served_without_another_site(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", r.text)  # nothing from a CDN
    for path in ("/api/search", "/api/articles", "/api/stories/{story_id}/brief", "/api/ingest"):
        assert f"{path}</code>" in r.text
    assert "at most 1000000000" in r.text  # the offset's bound, from the OpenAPI description
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # FastAPI's CDN page is off


def test_serve_prints_its_url_and_database(monkeypatch, capsys, tmp_path):
    import uvicorn

    from storyline.web import serve

    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: None)
    serve(port=8123, db=tmp_path / "s.db")
    assert f"http://127.0.0.1:8123/ (database {tmp_path / 's.db'})" in capsys.readouterr().out
    serve(host="::1", port=9000, db=tmp_path / "s.db")
    assert "http://[::1]:9000/" in capsys.readouterr().out


def test_stories_list_cuts_long_headlines_at_a_word(tmp_path):
    from storyline.pipeline import Pipeline

    title = " ".join(["Wenlowshire"] * 14)  # 14 words, 167 characters: a headline the list must shorten
    src = tmp_path / "long.jsonl"
    src.write_text(json.dumps({"title": title, "text": TEXT}) + "\n")
    with Store(tmp_path / "l.db") as store:
        Pipeline(store=store).ingest([str(src)])
    page = TestClient(create_app(tmp_path / "l.db")).get("/").text
    (shown,) = re.findall(r'class="story-link"[^>]*>([^<]*)</a>', page)
    assert shown.endswith("…") and len(shown) <= 121
    assert shown[:-1].rstrip().split(" ") == ["Wenlowshire"] * len(shown[:-1].rstrip().split(" "))


# -- the timeline chart ---------------------------------------------------------------------
def test_early_mid_late_narrow_the_span():
    from storyline.web.timeline_chart import entry_span

    def span(label, iso):
        return entry_span(TimelineEntry(date=iso, label=label, text="x"))

    assert span("early April 2017", "2017-04") == (date(2017, 4, 1), date(2017, 4, 10))
    assert span("mid-April 2017", "2017-04") == (date(2017, 4, 11), date(2017, 4, 20))
    assert span("late February 2016", "2016-02") == (date(2016, 2, 21), date(2016, 2, 29))
    assert span("April 2017", "2017-04") == (date(2017, 4, 1), date(2017, 4, 30))
    assert span("early 2016", "2016") == (date(2016, 1, 1), date(2016, 4, 30))
    assert span("late 2016", "2016") == (date(2016, 9, 1), date(2016, 12, 31))
    assert span("early Tue 2 May 2017", "2017-05-02") == (date(2017, 5, 2), date(2017, 5, 2))


def chart_of(dates: list[str], text: str = "The harbour board approved the rebuilding of the north pier"):
    from storyline.web.timeline_chart import timeline_chart

    return timeline_chart([TimelineEntry(date=d, label=d, text=f"{text} {i}") for i, d in enumerate(dates)])


@pytest.mark.parametrize("dates", [
    ["2017-05-01", "2017-05-02", "2017-05-03", "2017-05-31"],
    ["2016-01-03", "2017-05-01", "2017-05-09", "2017-06-30"],
    ["2001", "2017-05-01", "2017-05-02"], ["2017-04", "2017-05-03", "2017-05-04", "2017-05-05", "2017-05-06"],
    [f"2017-05-{d:02d}" for d in range(1, 29)] + ["2018-02-01"],
])
def test_tick_labels_never_overlap_and_event_text_is_not_clipped(dates):
    from storyline.web.timeline_chart import CHAR_PX, LEFT, TICK_GAP, WIDTH, tick_extent

    chart = chart_of(dates)
    extents = [tick_extent(x, label) for x, label in chart.ticks]
    for (_, hi), (lo, _) in zip(extents, extents[1:]):
        assert hi + TICK_GAP <= lo
    assert all(0 <= lo and hi <= WIDTH for lo, hi in extents)
    for m in chart.marks:
        drawn = len(m.short) * CHAR_PX
        if m.text_left:
            assert m.x - 10 - drawn >= LEFT
        else:
            assert m.x + m.width + 10 + drawn <= WIDTH
        assert m.short == m.text or m.short.endswith("…")


def test_every_try_form_of_the_docs_answers_with_its_defaults(client):
    page = client.get("/docs").text
    forms = re.findall(r'<form class="api-try" method="get" action="([^"]+)">(.*?)</form>', page, re.S)
    assert {action for action, _ in forms} >= {"/api/stories", "/api/articles", "/api/search"}
    for action, body in forms:
        params = dict(re.findall(r'<input name="([^"]+)" (?:required )?value="([^"]*)">', body))
        params = {k: v or ("boil" if k == "q" else "") for k, v in params.items()}
        r = client.get(action, params=params)
        assert r.status_code == 200, (action, params, r.text)
