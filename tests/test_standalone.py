"""Items that read alone (report/standalone.py) and the one story headline
(stories/features.headline_of), on invented fixtures and on the real-dated events file
(../shared/corpus/events/dev.jsonl, read at test time)."""
from __future__ import annotations

import json
import re

import pytest

from storyline.model import Article, Citation, EntityEntry, Fact, PartialDate, Sentence
from storyline.report.standalone import DANGLING, CONNECTIVE, Context, standalone, standalone_items, \
    unbalanced_quotes
from storyline.stories.features import headline_of

from .conftest import CORPUS

EVENTS = CORPUS / "events" / "dev.jsonl"


def article(sentences: list[str], title: str = "", published: str | None = None, outlet: str = "") -> Article:
    text, out, at = "", [], 0
    for k, s in enumerate(sentences):
        out.append(Sentence(k, at, at + len(s), s))
        text += s + " "
        at += len(s) + 1
    return Article(text=text.strip(), title=title, outlet=outlet, published=PartialDate.parse(published),
                   sentences=out)


def fact(a: Article, k: int) -> Fact:
    s = a.sentences[k]
    return Fact(text=s.text, independent_sources=1, citations=[Citation(a.id, k, s.start, s.end)])


PEOPLE = [EntityEntry(name="Lena Okafor", type="PERSON", aliases=["Okafor"]),
          EntityEntry(name="Tomas Brenn", type="PERSON", aliases=["Brenn"]),
          EntityEntry(name="Port Alder", type="GPE")]


def test_a_leading_pronoun_is_resolved_to_the_only_person_named_before():
    a = article(["Mayor Lena Okafor closed the Kestrel Bridge to all traffic on Monday morning.",
                 "She ordered a full inspection of the remaining spans of the bridge.",
                 "Okafor and council member Tomas Brenn toured the site in the afternoon.",
                 "He said the repairs would cost about 3 million dollars in all."])
    items = standalone_items([fact(a, 1), fact(a, 3)], Context([a], {}, PEOPLE))
    # the second names two people before it: no guess, the item goes
    assert [i.text for i in items] == ["Lena Okafor ordered a full inspection of the remaining spans of the bridge."]


def test_a_he_said_sentence_takes_the_quote_analysis_speaker():
    a = article(["Okafor and council member Tomas Brenn toured the site in the afternoon.",
                 "He said the repairs would cost about 3 million dollars in all."])
    items = standalone_items([fact(a, 1)], Context([a], {(a.id, 1): "Tomas Brenn"}, PEOPLE))
    assert [i.text for i in items] == ["Tomas Brenn said the repairs would cost about 3 million dollars in all."]


def test_an_item_that_leans_on_its_context_takes_another_cited_sentence_or_goes():
    a = article(["It was discovered just hours after the council met on the bridge."])
    b = article(["The crack was discovered just hours after the council met on the bridge."])
    both = Fact(text=a.sentences[0].text, independent_sources=2,
                citations=[Citation(a.id, 0, 0, 10), Citation(b.id, 0, 0, 10)])
    alone = fact(a, 0)
    items = standalone_items([both, alone], Context([a, b], {}, PEOPLE))
    assert [i.text for i in items] == [b.sentences[0].text]
    assert items[0].citations == both.citations  # both still state it


def test_quotations_are_balanced_or_given_their_speaker():
    assert standalone("It will be the shops and it will be the ferry.”") is None
    half = "We are fully cooperating with the inspectors on the bridge.”"
    assert standalone(half) is None
    assert standalone(half, speaker="Lena Okafor") == "Lena Okafor: “We are fully cooperating with the inspectors on the bridge.”"
    assert standalone("However, the council voted to spend 3.2 million dollars on the bridge.") == \
        "The council voted to spend 3.2 million dollars on the bridge."
    assert standalone("If confirmed, that will make this the first closure of the bridge since 1968.") is None
    assert standalone("There, crews worked through the night to shore up the beams.") is None
    there_is = "There has been no closure of the bridge this long since it opened in 1968."
    assert standalone(there_is) == there_is
    short = '"They were very lucky," Dunn said.'
    assert standalone_items([fact(article([short]), 0)], Context([], {}, PEOPLE))[0].text == short


def test_headline_is_the_representative_title_not_a_caption_or_a_paragraph():
    lead = ["The city of Port Alder closed the Kestrel Bridge after inspectors found cracks in its steel beams."]
    paragraph = " ".join(["The city closed the bridge on Monday after inspectors found cracks"] * 3)
    sources = [article(lead, "Getty Images Lena Okafor", "2025-03-10"),
               article(lead, paragraph, "2025-03-10"),
               article(lead, "Port Alder closes Kestrel Bridge after inspectors find cracks - Alder Daily News, Weather",
                       "2025-03-11"),
               article(lead, "Kestrel Bridge shut", "2025-03-11")]
    assert headline_of(sources) == "Port Alder closes Kestrel Bridge after inspectors find cracks"
    assert headline_of(sources[::-1]) == headline_of(sources)  # one answer whatever the order
    untitled = [article(["Subscribe to our newsletter for daily updates and breaking news."] + lead)]
    assert headline_of(untitled) == lead[0]


def _event_stories() -> list[tuple[str, list[dict]]]:
    if not EVENTS.is_file():
        pytest.skip("../shared/corpus/events/dev.jsonl not present")
    out = []
    for line in EVENTS.read_text().splitlines():
        record = json.loads(line)
        if len(record["articles"]) > 1:
            out.append((record["id"], record["articles"]))
    return out


def _write(path, articles: list[dict]) -> None:
    keys = ("text", "title", "published", "outlet", "url")
    path.write_text("".join(json.dumps({k: a[k] for k in keys if k in a}) + "\n" for a in articles))


@pytest.fixture(scope="module")
def event_briefs(tmp_path_factory):
    """The brief of each multi-source story of the events file, one story per record."""
    import storyline
    from storyline.pipeline import Pipeline, Story

    pipeline, stories = Pipeline(), []
    for rid, articles in _event_stories():
        path = tmp_path_factory.mktemp(rid) / f"{rid}.jsonl"
        _write(path, articles)
        read = storyline.read([str(path)])
        stories.append(Story(None, read, pipeline.copies(read)))
    return stories, pipeline.briefs(stories)


def test_real_items_read_alone(event_briefs):
    stories, briefs = event_briefs
    resolved = 0
    for story, brief in zip(stories, briefs):
        by_id = {a.id: a for a in story.articles}
        people = [e for e in brief.entities if e.type == "PERSON"]
        for item in brief.key_points + brief.agree + brief.single_source:
            assert not DANGLING.match(CONNECTIVE.sub("", item.text)), item.text
            assert not unbalanced_quotes(item.text), item.text
            cited = item.citations[0]
            source = by_id[cited.article_id].sentences[cited.sentence].text
            if re.match(r"(?:He|She)\s", source):  # resolved: the item names a person of the story
                resolved += 1
                assert any(item.text.startswith(e.name) for e in people), item.text
    assert resolved >= 1  # the Tiger Woods story's "He was released ..." is named


def test_the_stored_story_and_its_brief_show_one_headline(tmp_path):
    from storyline.pipeline import Pipeline
    from storyline.stories.cluster import list_stories
    from storyline.store import Store

    rid, articles = next((rid, a) for rid, a in _event_stories() if rid == "s05")
    path = tmp_path / "story.jsonl"
    _write(path, articles)
    with Store(tmp_path / "db.sqlite") as store:
        pipeline = Pipeline(store=store)
        report = pipeline.ingest([str(path)])
        listed = {s["id"]: s["headline"] for s in list_stories(store)}
        for story in pipeline.stories_of(report.articles):
            assert pipeline.brief(story).headline == listed[story.id]
