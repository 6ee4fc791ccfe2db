"""The HTML page reader and the cleaning of what it extracts (issue 20, extraction quality):
tables, lists and links of the article stay; the page around it goes. Invented pages and
lines; the benchmark figures come from `storyline eval extraction` (tests/test_extraction_eval.py)."""
from __future__ import annotations

from storyline.ingest import read_decoded
from storyline.ingest.clean import clean_paragraphs
from storyline.ingest.clutter import line_clutter, site_speaking
from storyline.ingest.html import _precise_span

REPORT = [
    "The Dunmore ferry strike ended on Friday after nine days, the union said in a statement.",
    "Mayor Ana Ruiz said the harbour would reopen on Monday and that no sailings would be cancelled.",
    "Port workers voted 312 to 40 to accept the new contract, which raises pay by 6 percent over two years.",
    "The ferry company said the strike had cost it about 2 million euros in lost fares and fuel.",
]


def _page(body: str) -> str:
    return (f"<html><head><title>Dunmore ferry strike ends</title></head><body><nav><a href='/'>Home</a>"
            f"<a href='/news'>News</a></nav><article><h1>Dunmore ferry strike ends</h1>{body}</article>"
            f"<footer>Copyright Dunmore Daily</footer></body></html>")


def _article(html: str):
    items = list(read_decoded("page.html", html, "html", url="https://dunmore.example/ferry"))
    assert len(items) == 1 and not isinstance(items[0], Exception), items
    return items[0]


def test_a_table_of_the_article_keeps_its_rows():
    rows = "".join(f"<tr><td>{i}</td><td>{name}</td><td>{votes}</td><td>{share}%</td></tr>"
                   for i, name, votes, share in [(1, "Harbour crews", 140, 92), (2, "Deck hands", 98, 88),
                                                 (3, "Ticket staff", 74, 81)])
    body = "".join(f"<p>{p}</p>" for p in REPORT[:2]) + \
        f"<table><tr><th>Rank</th><th>Unit</th><th>Votes</th><th>Yes</th></tr>{rows}</table>" + \
        "".join(f"<p>{p}</p>" for p in REPORT[2:])
    article = _article(_page(body))
    assert "Deck hands" in article.text and "Ticket staff" in article.text
    assert all(p in article.text for p in REPORT)
    assert "Copyright" not in article.text and "Home" not in article.text


def test_a_table_row_is_not_taken_for_a_stamp_or_a_label():
    # the shapes a row has: numbers and names (a stamp), short cells (a label, a tag list)
    lines = [REPORT[0], "| 1 | Ana Ruiz | 5040 | 5 | 17 |", "| Pos. | Driver | Points | Wins | Top 5 |", REPORT[1]]
    assert line_clutter(lines[1]) is not None  # alone, its shape is a stamp's
    kept = clean_paragraphs(lines).paragraphs
    assert kept == lines
    # a share bar laid out as a table is still site furniture
    assert clean_paragraphs(REPORT[:1] + ["| Share this | Subscribe |"]).paragraphs == REPORT[:1]


def test_a_list_inside_the_article_stays_but_the_page_around_it_goes():
    dates = ["June 9 – Dunmore, FL @ Harbour Arena", "June 10 – Tampa, FL @ Bay Pavilion",
             "June 14 – Alpharetta, GA @ Ameris Amphitheatre"]
    lines = ["Business", REPORT[0], "Tour Dates", *dates, REPORT[1], "Harbour Council Votes Tonight",
             "Ferry Timetable Changes", "More stories"]
    kept = clean_paragraphs(lines).paragraphs
    assert kept[:1] == [REPORT[0]] and all(d in kept for d in dates) and "Tour Dates" in kept and REPORT[1] in kept
    # before the article's first report and after its last: a section label, related links
    assert "Business" not in kept and "Ferry Timetable Changes" not in kept and "More stories" not in kept


def test_inside_the_article_a_widget_heading_and_a_caption_still_go():
    lines = [REPORT[0], "Continue reading below", "Our Featured Videos", REPORT[1],
             "Mayor Ana Ruiz waves to supporters in Dunmore on Friday. (AP Photo/Lee Tran)", REPORT[2]]
    kept = clean_paragraphs(lines).paragraphs
    assert kept == [REPORT[0], REPORT[1], REPORT[2]]


def test_a_link_alone_does_not_make_a_site_notice():
    listing = "See the Juniors compete at the harbour show jumping finals, Oct. 5-7, in Dunmore; www.dunmoreshow.org."
    tweet = "I urge everyone in Dunmore to use the ferries again from Monday pic.twitter.com/AbC123xyz"
    assert not site_speaking(listing) and not site_speaking(tweet)
    assert clean_paragraphs([REPORT[0], listing, tweet, REPORT[1]]).paragraphs == [REPORT[0], listing, tweet,
                                                                                    REPORT[1]]
    # the site speaking around a link, and a bare link, still go
    assert site_speaking("Follow us on Twitter: https://twitter.com/dunmoredaily")
    assert site_speaking("Click here to read more https://dunmore.example/more")
    assert site_speaking("https://dunmore.example/assets/images/logo.png")
    assert site_speaking("Link to our ticket shop – https://tickets.dunmore.example/ferry")
    assert site_speaking("The views and opinions expressed in the article are the author's own.")


def test_the_precise_extraction_gives_the_span_and_the_default_its_lines():
    precise = {"text": "Headline\nFirst paragraph.\nLast paragraph.", "title": "T"}
    default = {"text": "Menu\nHeadline\nFirst paragraph.\n- a list item\nLast paragraph.\nRelated link", "title": "T"}
    span = _precise_span(precise, default)
    assert span["text"] == "Headline\nFirst paragraph.\n- a list item\nLast paragraph." and span["title"] == "T"
    # lines that are not the default's (one of them is trafilatura's fallback): precise as it is
    other = {"text": "Headline\nFirst paragraph, cut another way.\nLast paragraph.\nSomething else", "title": "T"}
    assert _precise_span({**precise, "text": "Headline\nA paragraph the default has not.\nOne more it has not."},
                         other)["text"].startswith("Headline\nA paragraph")
    assert _precise_span(precise, None) == precise
