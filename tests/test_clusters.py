"""Stories: streaming clustering, time decay, corrections, recluster,
B-cubed maths and near-duplicate detection.

Fixtures are invented texts under tests/data/dedup/ (four unrelated events,
each a wire story plus two independently written reports); reprints,
partial reprints and lightly edited copies are derived from the wire
stories below.
"""
from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from storyline.errors import StorylineError
from storyline.evaluate.clusters import bcubed, evaluate_file, format_cluster_report, mixed_stories, pairwise
from storyline.ingest import RawArticle, build_article
from storyline.model import PartialDate
from storyline.stories.cluster import (ClusterConfig, assign_stories, cluster_articles, list_stories,
                                       merge_stories, recluster, split_story, story_articles, story_meta)
from storyline.stories import cluster as cluster_module
from storyline.stories.dedup import find_copies
from storyline.stories.features import EPOCH, TermStats, article_days
from storyline.stories.online import Story, decay

DATA = Path(__file__).parent / "data" / "dedup"
EVENTS = ("bridge", "recall", "vote", "fire")
DAY0 = date(2024, 3, 4)


def text_of(name: str) -> str:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8")


def make(text: str, day: int = 0, outlet: str | None = None, source: str = "x"):
    """An article from a text whose first line is the headline."""
    return build_article(RawArticle(source=source, text=text, outlet=outlet, headline_in_text=True,
                                    published=PartialDate.from_date(DAY0 + timedelta(days=day))))


def ingest_batch(store, articles) -> dict[str, str]:
    """Store a batch and place it, as an ingest does."""
    store.add_articles(articles)
    return assign_stories(store, articles)


# -- derived copies ------------------------------------------------------------

def reprint(text: str, outlet: str) -> str:
    """The whole wire story under the outlet's own header and footer."""
    headline, body = text.split("\n", 1)
    return (f"{headline}\n\n{outlet} staff and wire reports\n{body}\n"
            f"Copyright {outlet}. All rights reserved. Share this story with your friends.\n")


def partial_reprint(text: str) -> str:
    """The headline and the first half of the paragraphs."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(paragraphs[:max(2, (len(paragraphs) + 1) // 2)])


def light_edit(text: str) -> str:
    """New headline, a few words swapped, last paragraph cut, a local line added."""
    headline, body = text.split("\n", 1)
    paragraphs = [p for p in body.split("\n\n") if p.strip()][:-1]
    swaps = {" said": " stated", " about ": " around ", " early ": " ", " after ": " following "}
    edited = []
    for p in paragraphs:
        for old, new in swaps.items():
            p = p.replace(old, new, 1)
        edited.append(p)
    edited.append("Check back for updates from our newsroom as this story develops.")
    return f"UPDATED: {headline.lower()}\n\n" + "\n\n".join(edited)


def dedup_fixture() -> tuple[list, dict[str, str]]:
    """Articles plus {article id: origin}: copies share their wire story's
    origin, every independent report is its own origin."""
    articles, origin = [], {}
    for i, event in enumerate(EVENTS):
        wire = text_of(f"{event}_wire")
        variants = [(wire, "Wire"), (reprint(wire, "Daily Ledger"), "Daily Ledger"),
                    (partial_reprint(wire), "Morning Post"), (light_edit(wire), "Coast Herald")]
        for j, (text, outlet) in enumerate(variants):
            a = make(text, day=i, outlet=outlet, source=f"{event}-copy{j}")
            articles.append(a)
            origin[a.id] = f"{event}_wire"
        for r in ("report1", "report2"):
            a = make(text_of(f"{event}_{r}"), day=i, outlet=r, source=f"{event}-{r}")
            articles.append(a)
            origin[a.id] = f"{event}_{r}"
    return articles, origin


def pair_scores(groups: dict[str, str], gold: dict[str, str]) -> tuple[float, float]:
    ids = sorted(gold)
    pred_pairs = {(a, b) for a, b in itertools.combinations(ids, 2) if groups[a] == groups[b]}
    gold_pairs = {(a, b) for a, b in itertools.combinations(ids, 2) if gold[a] == gold[b]}
    hit = len(pred_pairs & gold_pairs)
    return (hit / len(pred_pairs) if pred_pairs else 1.0), hit / len(gold_pairs)


def test_near_duplicates_precision_recall():
    articles, origin = dedup_fixture()
    copies = find_copies(articles)
    groups = {a.id: copies.get(a.id, a.id) for a in articles}
    precision, recall = pair_scores(groups, origin)
    print(f"near-duplicate pairs: precision {precision:.3f} recall {recall:.3f}")
    # Independent reports of one event share names, numbers and a quote but are never copies.
    assert precision == 1.0
    assert recall >= 0.9
    for event in EVENTS:  # each wire group has one original, the others point at it
        group = [a.id for a in articles if origin[a.id] == f"{event}_wire"]
        originals = [i for i in group if i not in copies]
        assert len(originals) == 1
        assert {copies[i] for i in group if i in copies} == set(originals)


# -- B-cubed and pairwise maths ----------------------------------------------

def test_bcubed_hand_computed():
    gold = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
    pred = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}
    b = bcubed(pred, gold)
    # precision per item: a 1, b 1, c 1/3, d 2/3, e 2/3 -> 11/3 / 5
    assert b["precision"] == pytest.approx(11 / 15)
    # recall per item: a 2/3, b 2/3, c 1/3, d 1, e 1 -> 11/3 / 5
    assert b["recall"] == pytest.approx(11 / 15)
    p = pairwise(pred, gold)
    # predicted pairs: ab, cd, ce, de (4); gold pairs: ab, ac, bc, de (4); shared: ab, de
    assert (p["precision"], p["recall"]) == (pytest.approx(0.5), pytest.approx(0.5))
    perfect = bcubed(gold, gold)
    assert perfect == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    singletons = bcubed({k: k for k in gold}, gold)
    assert singletons["precision"] == 1.0 and singletons["recall"] == pytest.approx((1 / 3 * 3 + 1 / 2 * 2) / 5)
    # the false merges behind a precision below 1: y holds c of gold story 1 and d, e of 2; x is pure
    assert mixed_stories(pred, gold) == [{"story": "y", "gold": {1: ["c"], 2: ["d", "e"]}}]
    assert mixed_stories(gold, gold) == []


# -- streaming -----------------------------------------------------------------

def event_articles(days_apart: int = 1):
    """Wire + two reports for each event; events a few days apart, articles of
    one event over two days, interleaved in publication order."""
    out = []
    for i, event in enumerate(EVENTS):
        for j, name in enumerate(("wire", "report1", "report2")):
            out.append((event, make(text_of(f"{event}_{name}"), day=i * days_apart + j % 2,
                                    outlet=f"{name} desk", source=f"{event}-{name}")))
    return out


@pytest.mark.parametrize("new_process", [False, True])
def test_streaming_groups_events_into_stories(store, new_process):
    labelled = event_articles()
    articles = [a for _, a in labelled]
    # Two ingest batches, as storyline ingest would store and place them; with
    # new_process the second batch finds no live stream and rebuilds the open
    # stories from the store.
    story_of = ingest_batch(store, articles[:5])
    if new_process:
        cluster_module._STREAMS.clear()
    story_of.update(ingest_batch(store, articles[5:]))
    gold = {a.id: event for event, a in labelled}
    score = bcubed(story_of, gold)
    assert score["precision"] == 1.0
    assert score["recall"] == 1.0
    listed = list_stories(store)
    assert len(listed) == 4
    top = listed[0]
    assert set(top) >= {"id", "headline", "first_date", "last_date", "articles", "outlets",
                        "independent_sources"}
    assert top["articles"] == 3 and top["outlets"] == 3 and top["independent_sources"] == 3
    assert top["first_date"] <= top["last_date"]
    members = story_articles(store, top["id"][:6])  # prefix ids work
    assert [story_meta(store, s["id"][:6]) for s in listed] == listed
    with pytest.raises(StorylineError, match="no story with id 'zzz'"):
        story_meta(store, "zzz")
    assert len(members) == 3
    # Re-assigning known articles changes nothing.
    assert assign_stories(store, articles) == story_of


def test_copies_join_their_original_and_are_not_independent(store):
    wire = text_of("recall_wire")
    original = make(wire, day=0, outlet="Wire")
    copies = [make(reprint(wire, "Daily Ledger"), day=0, outlet="Daily Ledger"),
              make(partial_reprint(wire), day=1, outlet="Morning Post")]
    report = make(text_of("recall_report1"), day=1, outlet="Metro")
    batch = [original, *copies, report]
    store.add_articles(batch)
    story_of = assign_stories(store, batch)
    assert len(set(story_of.values())) == 1
    (story,) = list_stories(store)
    assert story_meta(store, story["id"]) == story
    assert story["articles"] == 4
    assert story["independent_sources"] == 2  # the wire story and the Metro report
    linked = dict(store.db.execute("SELECT article_id, original_id FROM story_copies").fetchall())
    assert linked == {c.id: original.id for c in copies}


def test_cluster_articles_without_store_largest_first():
    labelled = event_articles()
    extra = make(reprint(text_of("fire_wire"), "Daily Ledger"), day=4, outlet="Daily Ledger")
    groups = cluster_articles([a for _, a in labelled] + [extra])
    assert [len(g) for g in groups] == [4, 3, 3, 3]
    assert extra in groups[0]
    event_of = {a.id: e for e, a in labelled}
    for g in groups:
        assert len({event_of.get(a.id, "fire") for a in g}) == 1


FOLLOW_UP = """Fuel pump failure blamed for Kessel Bridge crash

Investigators said a failed fuel pump left the grain ship Marlow Trader without power before it struck
the Kessel Bridge in Port Alden, as divers and Fire Chief Amara Quist's crews kept searching the harbor.

Halvard Shipping said it would inspect the pumps on its other vessels. Mayor Dorian Pell said the
harbor channel could reopen to small boats within days, but the bridge would stay closed.
"""


@pytest.mark.parametrize("gap_days, joins", [(3, True), (90, False)])
def test_time_decay_keeps_old_stories_closed(store, gap_days, joins):
    bridge = [make(text_of(f"bridge_{n}"), day=0, outlet=n) for n in ("wire", "report1")]
    store.add_articles(bridge)
    first = assign_stories(store, bridge)
    later = make(FOLLOW_UP, day=gap_days, outlet="Harbor Times")
    store.add_articles([later])
    story = assign_stories(store, [later])[later.id]
    assert (story in first.values()) is joins


def test_decay_function():
    config = ClusterConfig()
    story = Story("s", dense=None, first=100.0, last=110.0)
    assert decay(config, 105.0, story) == 1.0
    assert decay(config, 110.0 + config.grace_days, story) == 1.0
    assert decay(config, 110.0 + config.grace_days + config.half_life_days, story) == pytest.approx(0.5)
    assert decay(config, 200.0, story) < 1e-3  # three months on: cannot reach any threshold
    assert decay(config, None, story) == 1.0


@pytest.mark.parametrize("month, day, reference, expected", [
    (11, 4, date(2025, 11, 5), date(2025, 11, 4)),
    (12, 30, date(2026, 1, 2), date(2025, 12, 30)),  # across the new year: the nearer December
    (1, 3, date(2025, 12, 30), date(2026, 1, 3)),
    (2, 29, date(2025, 3, 1), date(2024, 2, 29)),  # only a leap year has it
])
def test_a_date_without_a_year_takes_the_year_nearest_the_reference(month, day, reference, expected):
    def days(d: date) -> float:
        return float((d - EPOCH).days)

    assert article_days(PartialDate(None, month, day), days(reference)) == days(expected)
    assert article_days(PartialDate(None, month, day)) is None  # no reference: undated
    assert article_days(PartialDate(2020, month, day), days(reference)) == days(date(2020, month, day))


def test_idf_prior_keeps_a_small_storys_own_names_heavy():
    """In three articles on one storm, "hester" is in all three: plain IDF weighs it as
    the story's least telling word; with the prior it stays close to a one-off word."""
    plain, prior = TermStats(), TermStats(prior_docs=10)
    for words in (["hester", "roofs"], ["hester", "ferry"], ["hester", "cellar"]):
        plain.add(words)
        prior.add(words)
    assert plain.idf("hester") / plain.idf("ferry") < 0.6
    assert prior.idf("hester") / prior.idf("ferry") > 0.75
    many = TermStats({"hester": 3, "ferry": 1}, docs=5000, prior_docs=10)  # a long stream: no effect
    assert many.idf("hester") == pytest.approx(TermStats({"hester": 3}, docs=5000).idf("hester"), rel=1e-3)


# -- corrections and rebuild ---------------------------------------------------

def partition(store) -> dict[str, str]:
    return dict(store.db.execute("SELECT article_id, story_id FROM story_articles").fetchall())


def same_partition(a: dict[str, str], b: dict[str, str]) -> bool:
    return bcubed(a, b)["f1"] == 1.0


def test_recluster_matches_streaming(store):
    articles = [a for _, a in event_articles()]
    for i in range(0, len(articles), 4):
        ingest_batch(store, articles[i:i + 4])
    streamed = partition(store)
    assert recluster(store) == 4
    rebuilt = partition(store)
    assert same_partition(rebuilt, streamed)
    assert set(rebuilt.values()) == set(streamed.values())  # story ids kept


def test_merge_and_split_survive_ingest_and_recluster(store):
    labelled = event_articles(days_apart=1)
    first, second = labelled[:6], labelled[6:]  # bridge + recall, then vote + fire
    story_of = ingest_batch(store, [a for _, a in first])
    bridge_story = story_of[first[0][1].id]
    recall_story = story_of[first[3][1].id]
    merged = merge_stories(store, [bridge_story, recall_story[:8]])
    assert merged == bridge_story
    # The user splits the bridge analysis piece off the merged story.
    analysis = next(a for e, a in first if a.source == "bridge-report2")
    split_off = split_story(store, merged, [analysis.id[:10]])

    def check() -> None:
        part = partition(store)
        merged_ids = {a.id for _, a in first} - {analysis.id}
        assert len({part[i] for i in merged_ids}) == 1
        assert part[analysis.id] != part[next(iter(merged_ids))]

    check()
    later = ingest_batch(store, [a for _, a in second])
    check()
    assert len(set(later.values())) == 2  # the new events open their own stories
    recluster(store)
    check()
    stories = {s["id"]: s for s in list_stories(store)}
    assert stories[merged]["articles"] == 5 and stories[split_off]["articles"] == 1


# -- evaluation over a labelled file ------------------------------------------

def test_evaluate_file_on_flat_labelled_jsonl(tmp_path):
    path = tmp_path / "labelled.jsonl"
    events = list(event_articles())
    with path.open("w", encoding="utf-8") as fh:
        for event, a in events:
            fh.write(json.dumps({"id": a.source, "title": a.title, "text": a.text, "story": event}) + "\n")
    result = evaluate_file(path, span_days=6, story_days=2, batch_size=5)
    assert result["articles"] == 12 and result["gold_stories"] == 4
    assert result["bcubed"]["f1"] == 1.0 and result["pairwise"]["f1"] == 1.0
    assert result["stories"] == 4 and result["not_articles"] == []
    # a crawl notice labelled with a story: refused by ingest, scored alone, not counted as a story found
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "notice", "text": "Sorry, the page you requested was not found.",
                             "story": events[0][0]}) + "\n")
    result = evaluate_file(path, span_days=6, story_days=2, batch_size=5)
    assert result["not_articles"] == ["notice"] and result["gold_stories"] == 4 and result["stories"] == 4
    assert result["bcubed"]["precision"] == 1.0 and result["bcubed"]["recall"] < 1.0
    assert result["mixed"] == [] and "mixed story" not in format_cluster_report(result)


# -- undated articles, roundups, languages (issue 18) ----------------------------

def test_an_undated_article_joins_its_dated_story_with_no_clock_time(store):
    """An article without a date has no time, not the moment it was stored: it joins its
    story of years ago (no decay on an unknown time), and the time kept for it is the story's."""
    bridge = [make(text_of(f"bridge_{n}"), day=0, outlet=n) for n in ("wire", "report1")]
    undated = build_article(RawArticle(source="undated", text=FOLLOW_UP, outlet="Harbor Times",
                                       headline_in_text=True))
    assert undated.published.precision == "unknown"
    first = ingest_batch(store, bridge)
    cluster_module._STREAMS.clear()  # a later process: the stream is rebuilt from the store
    story = ingest_batch(store, [undated])[undated.id]
    assert story in first.values()
    kept = dict(store.db.execute("SELECT article_id, time FROM story_features").fetchall())
    assert kept[undated.id] == article_days(PartialDate.from_date(DAY0))  # the story's day, not today
    (listed,) = list_stories(store)
    assert listed["last_date"] == DAY0.isoformat()


def test_half_undated_events_dev_keeps_every_story_whole(store):
    """events/dev.jsonl with `published` dropped from every other article (issue 18): each
    story is still one story and no two are merged (its clock time used to split them)."""
    from storyline.evaluate.clusters import load_labelled
    from storyline.ingest.record import record_to_raw

    path = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "events" / "dev.jsonl"
    if not path.exists():
        path = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "events" / "dev.jsonl"
    if not path.exists():
        pytest.skip("../shared/corpus/events not present")
    articles, gold = [], {}
    for k, r in enumerate(load_labelled(path)):
        record = {f: v for f, v in r["record"].items() if not (f == "published" and k % 2)}
        a = build_article(record_to_raw(r["where"], record))
        articles.append(a)
        gold[a.id] = r["story"]
    assert sum(a.published.precision == "unknown" for a in articles) >= len(articles) // 2
    story_of = ingest_batch(store, articles)
    assert bcubed(story_of, gold) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


ROUNDUP = """10 things you need to know today

Good morning! Here is the news you need to know this Tuesday.

1. Fire Chief Amara Quist said divers kept searching the harbor after the grain ship Marlow Trader struck the Kessel Bridge in Port Alden.

2. The city council of Brennick voted to ban cars from its old market square on weekends, starting in June.

3. A bakery chain in Oster recalled its rye loaves after customers found pieces of plastic in them.

4. The orchestra of Valmont named a new conductor, the violinist Petra Lind, for its next season.

5. Shares of the lamp maker Corvo rose after it raised its forecast for the year.
"""

REVIEW_ROUNDUP = """Review roundup: the Corvo Lumen lamp launches to mixed reviews

The Corvo Lumen lamp went on sale on Tuesday, and the first reviews of the Lumen are in.

One reviewer said the Lumen gives a warm light but that the Lumen app often lost the connection.

Another said the Lumen lamp was too expensive for what it does, though its Lumen dimmer was smooth.

A third review praised the Lumen battery, which kept the lamp lit for two days away from the wall.
"""


def test_roundups_are_recognised_and_kept_out_of_event_stories(store):
    from storyline.stories.features import is_roundup

    roundup = make(ROUNDUP, day=0, outlet="Morning Brief")
    review = make(REVIEW_ROUNDUP, day=0, outlet="Gadget Desk")
    assert is_roundup(roundup.title, roundup.text)
    assert not is_roundup(review.title, review.text)  # one event under a roundup's name
    assert not is_roundup(*text_of("bridge_wire").split("\n", 1))
    bridge = [make(text_of(f"bridge_{n}"), day=0, outlet=n) for n in ("wire", "report1")]
    story_of = ingest_batch(store, [*bridge, roundup])
    assert story_of[bridge[0].id] == story_of[bridge[1].id] != story_of[roundup.id]
    later = make(FOLLOW_UP, day=1, outlet="Harbor Times")  # joins the event, never the roundup
    assert ingest_batch(store, [later])[later.id] == story_of[bridge[0].id]


PT_ONE = """Prefeitura de Jaraguá anuncia nova ponte sobre o rio

A prefeitura de Jaraguá anunciou nesta segunda-feira que vai construir uma nova ponte sobre o rio Itapocu, com obras que devem começar em março e durar dois anos, segundo o secretário de obras.
"""

PT_TWO = """Receita de bolo de fubá para o café da tarde

Para fazer o bolo de fubá da vovó, misture três ovos, uma xícara de açúcar e duas xícaras de fubá, depois leve ao forno por quarenta minutos até que fique dourado por cima.
"""


def test_pages_in_another_language_join_only_their_language_and_content():
    from storyline.stories.features import word_counts

    assert "que" not in word_counts("que de para o bolo de fubá", "pt")
    assert "fubá" in word_counts("que de para o bolo de fubá", "pt")
    one, two = make(PT_ONE), make(PT_TWO)
    assert one.language == two.language == "pt"
    groups = cluster_articles([one, two])
    assert len(groups) == 2  # two unrelated pages of one language stay apart
    english = make(text_of("bridge_wire"))
    copy_pt = make(PT_ONE.replace("nesta segunda-feira", "ontem"), day=1)
    groups = cluster_articles([one, english, copy_pt])
    assert sorted(len(g) for g in groups) == [1, 2]
    assert {a.id for g in groups if len(g) == 2 for a in g} == {one.id, copy_pt.id}


def test_evaluate_file_keeps_a_dated_files_own_dates(tmp_path):
    """A file with dates is scored with its records' own dates: the undated stay undated."""
    path = tmp_path / "dated.jsonl"
    events = list(event_articles())
    with path.open("w", encoding="utf-8") as fh:
        for k, (event, a) in enumerate(events):
            record = {"id": a.source, "title": a.title, "text": a.text, "story": event}
            if k % 2:
                record["published"] = "2019-11-18"
            fh.write(json.dumps(record) + "\n")
    result = evaluate_file(path, batch_size=5)
    assert result["stream"]["own_dates"] is True and result["stream"]["undated"] == 6
    assert result["bcubed"]["f1"] == 1.0


# -- the day an event is reported on (issue 18) ----------------------------------

HEARING_TUE = [
"""Envoy Mara Lind tells the Brennick council inquiry she was told to stall the port deal

Former envoy Mara Lind testified on Tuesday before the Brennick council inquiry into the Port Alden harbour contract, telling members that she had been told to stall the deal until the mayor's office got its way. The inquiry, led by councillor Tomas Veer, is looking at whether the harbour contract was steered to a friend of the mayor. Lind said she kept notes of every call and handed them to the inquiry. Members of the mayor's party said her account was hearsay and that the harbour contract was awarded by the book. The inquiry will hear more witnesses this week, and its report on the harbour contract is due next month. Lind told members that the mayor's chief of staff, Olav Brandt, called her twice about the deal. Veer thanked her for coming forward. The mayor has denied doing anything wrong and called the inquiry a political show. The harbour contract is worth 40 million crowns and covers the dredging of the port.""",
"""Lind says mayor's office pressed her to hold up Port Alden harbour deal

The Brennick council inquiry heard on Tuesday from former envoy Mara Lind, who said the mayor's office pressed her to hold up the Port Alden harbour contract. Lind told the inquiry, chaired by councillor Tomas Veer, that chief of staff Olav Brandt called her about the deal twice and asked her to stall it. She said she wrote down each call and gave her notes to the inquiry. The mayor's allies on the inquiry said her testimony was hearsay and that the contract was properly awarded. The inquiry into the harbour contract continues this week with more witnesses. The mayor says he did nothing wrong and calls the inquiry a political show. Dredging of the port under the harbour contract, worth 40 million crowns, has been put on hold while the inquiry sits. Veer said Lind's notes would be published with the inquiry's report next month.""",
]
HEARING_WED = [
"""Harbour official Pieter Haas contradicts the mayor at the Port Alden inquiry

Harbour official Pieter Haas told the Brennick council inquiry on Wednesday that the mayor personally asked him to give the Port Alden harbour contract to a dredging firm run by a friend. Haas, who oversees tenders at the port, said the request came in a meeting at city hall in the spring. The inquiry, chaired by councillor Tomas Veer, is examining whether the harbour contract was steered. Haas said he refused and was moved to another post a month later. The mayor's allies said Haas had a grudge after losing his job. The harbour contract is worth 40 million crowns. The mayor denied ever meeting Haas about the tender and said the inquiry was a political show. Veer said the inquiry would hear its last witnesses next week before writing its report on the harbour contract.""",
"""Port Alden tender chief Haas says mayor asked him to favour a friend's firm

Pieter Haas, who ran tenders at the port, testified on Wednesday to the Brennick council inquiry that the mayor asked him to hand the Port Alden harbour contract to a friend's dredging company. Haas told the inquiry, led by councillor Tomas Veer, that he refused at a city hall meeting and was reassigned weeks later. Members from the mayor's party said Haas was bitter about losing his post. The mayor said he never discussed the tender with Haas and again called the inquiry a political show. The harbour contract, worth 40 million crowns, covers dredging the port. The inquiry's report on the harbour contract is due next month, Veer said, after its last witnesses are heard.""",
]

LIND_NEXT_DAY = """Envoy Lind's notes on the Port Alden harbour deal handed to the inquiry

Former envoy Mara Lind told the Brennick council inquiry yesterday that the mayor's office pressed her to stall the Port Alden harbour contract, and her notes of the calls from chief of staff Olav Brandt are now with the inquiry, councillor Tomas Veer said. Lind said Brandt called her twice about the deal. The mayor's allies called her testimony hearsay and said the harbour contract, worth 40 million crowns, was awarded by the book. The mayor denies wrongdoing and calls the inquiry a political show. The inquiry's report on the harbour contract is due next month, after more witnesses this week, and dredging of the port is on hold while it sits."""


def test_event_day_reads_the_leads_day_against_the_publication_date():
    from storyline.stories.features import event_day

    wednesday = PartialDate(2019, 11, 20)
    filler = " The inquiry heard more witnesses and members asked about the contract." * 12
    real = event_day
    event_day = lambda title, text, published: real(title or "Inquiry", text + filler, published)  # noqa: E731
    day = lambda d: (d - EPOCH).days  # noqa: E731
    assert real("", "The envoy testified on Tuesday." + filler, wednesday) == day(date(2019, 11, 19))  # no headline
    assert real("Inquiry", "The envoy testified on Tuesday.", wednesday) is None  # too short for the test
    assert event_day("", "The envoy testified on Tuesday that the deal was held up.", wednesday) \
        == day(date(2019, 11, 19))
    assert event_day("", "The port reopened yesterday after the storm.", wednesday) == day(date(2019, 11, 19))
    assert event_day("", "The envoy will testify on Thursday.", wednesday) == day(date(2019, 11, 21))
    assert event_day("", "The envoy testified on Sunday.", wednesday) is None  # 3 days back or 4 ahead: a guess
    assert event_day("", "The minister will speak next Friday in the capital.", wednesday) == day(date(2019, 11, 22))
    assert event_day("", "The minister said on Friday she will resign.", wednesday) is None  # a comment's day
    assert event_day("Talks resume today", "No day in this lead at all.", wednesday) == day(date(2019, 11, 20))
    assert event_day("", "No day in this lead at all.", wednesday) is None
    assert event_day("", "The envoy testified on Tuesday.", PartialDate()) is None  # undated: no day to read from
    assert event_day("", "The envoy testified on Tuesday.", PartialDate(2019, 11)) is None


def test_hearings_on_consecutive_days_are_two_events():
    """Two hearings of one inquiry, a day apart, share the inquiry's words; the days their
    leads report tell them apart, while a next-day report of the first ("yesterday") joins it.
    Without the days (event_days off) all five are one story."""
    from dataclasses import replace

    tuesday = [make(t, day=1, outlet=f"t{k}", source=f"tue{k}") for k, t in enumerate(HEARING_TUE)]
    wednesday = [make(t, day=2, outlet=f"w{k}", source=f"wed{k}") for k, t in enumerate(HEARING_WED)]
    next_day = make(LIND_NEXT_DAY, day=2, outlet="Harbor Times", source="next")
    articles = [*tuesday, *wednesday, next_day]
    groups = sorted(sorted(a.source for a in g) for g in cluster_articles(articles))
    assert groups == [["next", "tue0", "tue1"], ["wed0", "wed1"]]
    assert len(cluster_articles(articles, replace(ClusterConfig(), event_days=False))) == 1


def untitled(text: str, day: int, source: str):
    """The article of a page that gave no headline: the text without its first line."""
    body = text.split("\n", 1)[1].strip()
    return build_article(RawArticle(source=source, text=body, outlet=source,
                                    published=PartialDate.from_date(DAY0 + timedelta(days=day))))


def test_hearings_on_consecutive_days_are_two_events_without_headlines():
    """Most pages of a dense week come without a headline; their leads' days still tell
    Tuesday's hearing from Wednesday's (one inquiry, one topic, other witnesses), while the
    two reports of Tuesday's, worded differently, and its next-day report stay one story.
    Without the days all five are one story: the days are what keeps them apart."""
    from dataclasses import replace

    articles = [*(untitled(t, 1, f"tue{k}") for k, t in enumerate(HEARING_TUE)),
                *(untitled(t, 2, f"wed{k}") for k, t in enumerate(HEARING_WED)),
                untitled(LIND_NEXT_DAY, 2, "next")]
    assert all(not a.title for a in articles)
    groups = sorted(sorted(a.source for a in g) for g in cluster_articles(articles))
    assert groups == [["next", "tue0", "tue1"], ["wed0", "wed1"]]
    assert len(cluster_articles(articles, replace(ClusterConfig(), event_days=False))) == 1


def test_a_roundup_is_flagged_in_the_stories_list_and_the_cli(store, tmp_path, capsys):
    from storyline.cli import main

    roundup = make(ROUNDUP, day=0, outlet="Morning Brief")
    bridge = [make(text_of(f"bridge_{n}"), day=0, outlet=n) for n in ("wire", "report1")]
    story_of = ingest_batch(store, [*bridge, roundup])
    listed = {s["id"]: s for s in list_stories(store)}
    assert listed[story_of[roundup.id]]["roundup"] is True
    assert listed[story_of[bridge[0].id]]["roundup"] is False
    assert cluster_module.story_meta(store, story_of[roundup.id])["roundup"] is True
    assert main(["--db", str(store.path), "stories"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines[story_of[roundup.id][:8]].endswith("[roundup]")
    assert "[roundup]" not in lines[story_of[bridge[0].id][:8]]
    from fastapi.testclient import TestClient

    from storyline.web import create_app

    client = TestClient(create_app(store.path))
    api = {s["id"]: s["roundup"] for s in client.get("/api/stories").json()["stories"]}
    assert api[story_of[roundup.id]] is True and api[story_of[bridge[0].id]] is False
    assert client.get("/").text.count('class="roundup-mark"') == 1


def test_an_undated_storys_brief_says_its_date_is_unknown(tmp_path):
    from storyline.report.assemble import UNDATED_NOTE, undated_note

    undated = build_article(RawArticle(source="u", text=LIND_NEXT_DAY, headline_in_text=True))
    dated = make(HEARING_TUE[0], day=1)
    assert undated_note([undated]) == [UNDATED_NOTE]
    assert undated_note([undated, dated]) == []
    from storyline.pipeline import Pipeline
    from storyline.report.render import render
    from storyline.store import Store

    with Store(tmp_path / "brief.db") as db:
        pipeline = Pipeline(store=db)
        story_of = pipeline.add([undated])
        story = pipeline.story(story_of[undated.id])
        text = render(pipeline.brief(story), "md")
    assert "Date unknown" in text and "undated" in text


def test_a_late_copy_joins_its_story_whoever_places_it(tmp_path):
    """A reprint of June's article ingested after September's news joins June's story, through
    a new Store (a new CLI process, a web request) as through the Store that placed the rest:
    the stream loaded from the store keeps open every story the batch could join."""
    import json

    from storyline.pipeline import Pipeline
    from storyline.store import Store

    source = Path(__file__).parent / "data" / "web" / "stories.jsonl"
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    june = records[2]
    assert june["published"] < max(r["published"] for r in records)  # the store holds later news
    reprint = {**june, "outlet": "Another Outlet", "url": "https://another.example/boil-water",
               "text": june["text"] + " A spokesman repeated the advice on Thursday."}
    (tmp_path / "reprint.jsonl").write_text(json.dumps(reprint))
    joined = {}
    for fresh in (False, True):
        db = tmp_path / f"{fresh}.db"
        store = Store(db)
        Pipeline(store=store).ingest([str(source)])
        if fresh:
            store.close()
            store = Store(db)
        Pipeline(store=store).ingest([str(tmp_path / "reprint.jsonl")])
        by_title = {}
        for a in store.articles():
            by_title.setdefault(a.title, []).append(a.id)
        story_of = store.stories_of([a.id for a in store.articles()])
        original, copy = by_title[june["title"]][0], next(a.id for a in store.articles() if a.outlet == "Another Outlet")
        joined[fresh] = story_of[copy] == story_of[original]
        store.close()
    assert joined == {False: True, True: True}
