"""Who a surname, a title or a description stands for (issue 17): invented stories."""
from __future__ import annotations

from storyline.analyze.entities import parse_articles, story_entities
from storyline.analyze.quotes import extract_quotes
from storyline.ingest.segment import segment
from storyline.model import Article, PartialDate


def article(paragraphs: list[str], aid: str = "x") -> Article:
    text, sentences = segment(paragraphs)
    return Article(text=text, title=aid, outlet="Test", id=aid, sentences=sentences,
                   published=PartialDate.parse("2024-03-05"))


def analyse(arts, nlp):
    docs = parse_articles(arts, nlp)
    ents = story_entities(arts, docs)
    return ents, [q for a, d in zip(arts, docs) for q in extract_quotes(a, d, ents)]


def speaker_of(quotes, words: str) -> str | None:
    hits = [q for q in quotes if words in q.text]
    assert hits, words
    names = {q.speaker.name if q.speaker else None for q in hits}
    assert len(names) == 1, names
    return names.pop()


def test_shared_surname_is_the_person_the_article_gave_it_to(nlp):
    arts = [article(["Harold Brenner opened the new bakery on Main Street on Monday.",
                     "A smiling Brenner cut the ribbon in front of a small crowd.",
                     "His daughter Wilma Brenner baked the first loaves before dawn.",
                     "“We have waited ten years for this,” Brenner said."], "a1"),
            article(["The Brenner family has run the market stall since 1990.",
                     "Wilma Brenner said the recipes came from her grandmother.",
                     "Brenner said the ovens were bought second-hand from Lyon."], "a2"),
            article(["Harold Brenner and Wilma Brenner will host a tasting on Friday.",
                     "“Tickets are free for everyone who comes,” Brenner said."], "a3")]
    ents, quotes = analyse(arts, nlp)
    # a1: the bare surname was Harold's before Wilma was named, and stays his
    assert speaker_of(quotes, "waited ten years") == "Harold Brenner"
    # a2: only Wilma is named in full before it (the family is nobody)
    assert speaker_of(quotes, "ovens were bought") == "Wilma Brenner"
    # a3: both named before the first bare surname: nobody in particular, never a third Brenner
    assert speaker_of(quotes, "Tickets are free") is None
    assert not [e for e in ents.listed() if e.name == "Brenner"]


def test_description_is_the_person_the_story_describes_so(nlp):
    arts = [article(["Chuck Danvers, the most senior Democrat in the Senate, met the governor on Monday.",
                     "The bill will pass by the summer, the most senior Democrat in the Senate said on Tuesday.",
                     "The bill is unaffordable, the most senior Republican in the House said."], "a1")]
    ents, quotes = analyse(arts, nlp)
    assert speaker_of(quotes, "will pass by the summer") == "Chuck Danvers"
    # nobody is described as the House's senior Republican: unresolved, never a party noun
    assert not [q for q in quotes if "unaffordable" in q.text and q.speaker is not None]
    assert not [q for q in quotes if q.speaker is not None and q.speaker.type not in ("PERSON", "ORG", "GPE")]


def test_title_is_the_one_person_with_it_unless_two_fit(nlp):
    one = [article(["Sacramento County District Attorney Anne Marie Okoro charged the suspect on Friday.",
                    "Police Chief Dan Ferris called the arrest a relief.",
                    "The suspect will face two counts of murder, the district attorney said."], "b1")]
    _, quotes = analyse(one, nlp)
    assert speaker_of(quotes, "two counts of murder") == "Anne Marie Okoro"
    two = [article(["President Lena Marsh of Ostria met President Karl Wendt of Belmark on Monday.",
                    "Vice President Tom Ruiz was not at the talks.",
                    "The talks went well, the president said afterwards."], "b2")]
    _, quotes = analyse(two, nlp)
    assert not [q for q in quotes if "talks went well" in q.text and q.speaker is not None]
    three = [article(["President Lena Marsh of Ostria spoke on Monday.",
                      "Vice President Tom Ruiz was not at the talks.",
                      "The talks went well, the president said afterwards."], "b3")]
    _, quotes = analyse(three, nlp)
    assert speaker_of(quotes, "talks went well") == "Lena Marsh"


def test_spelling_variants_merge_only_when_safe(nlp):
    arts = [article(["President Barack Odenga met farmers in Kisumu on Monday.",
                     "Coach Marta Kowalczyk said her team would train in the town."], "c1"),
            article(["President Barak Odenga promised the farmers new roads.",
                     "Coach Marta Kowalczik praised the pitch.",
                     "Jon Ferris and his sister Jan Ferris run the farm."], "c2")]
    ents, _ = analyse(arts, nlp)

    def holder(name):
        found = [e for e in ents.entities if any(m.text == name for m in e.mentions)]
        assert len(found) == 1, name
        return found[0]

    assert holder("Barak Odenga") is holder("Barack Odenga")  # same surname and title
    assert holder("Marta Kowalczik") is holder("Marta Kowalczyk")  # same first name
    assert holder("Jon Ferris") is not holder("Jan Ferris")  # a letter apart, but no title shared


def test_real_untagged_surnames_link_to_their_person(nlp):
    from .conftest import corpus_story

    # multinews dev mn086: the tagger misses "Happy" in '"...," Happy said in his report': he is
    # the one person of the story with that surname (Dr. Christopher Happy)
    arts = corpus_story("multinews/dev.jsonl", "mn086")
    ents, quotes = analyse(arts, nlp)
    happy = [e for e in ents.entities if e.name == "Christopher Happy"]
    assert len(happy) == 1 and any(m.untagged for m in happy[0].mentions)
    assert any(q.speaker is happy[0] and q.speaker_text == "Happy" for q in quotes)
    # an untagged word that links to nobody is no entity at all
    assert all(not m.untagged for e in ents.entities if len(e.name.split()) == 1 for m in e.mentions)


def test_police_force_and_partners_firm_are_one_organisation(nlp):
    arts = [article(["Fairfax County police said the thieves took 300 phones from the store.",
                     "The Fairfax County Police Department asked for help on Monday.",
                     "Venture firm Kleiner Perkins Caufield & Byers won the case against Tom Ruiz.",
                     "Kleiner Perkins said it would not seek costs."], "p1")]
    ents, _ = analyse(arts, nlp)
    force = [e for e in ents.entities if any(m.text == "Fairfax County police" for m in e.mentions)]
    assert len(force) == 1 and force[0].type == "ORG"
    assert any(m.text == "Fairfax County Police Department" for m in force[0].mentions)
    assert "Fairfax County" not in [e.name for e in ents.entities if e.type == "GPE" and len(e.mentions) > 1]
    firm = [e for e in ents.entities if any(m.text.startswith("Kleiner Perkins") for m in e.mentions)]
    assert len(firm) == 1 and firm[0].type == "ORG"


def test_ranks_in_the_plural_are_nobody_named(nlp):
    arts = [article(["Detectives said the thieves took 300 phones from the store in Alexandria.",
                     "Officers said they were looking for two men."], "r1")]
    ents, quotes = analyse(arts, nlp)
    assert not [e for e in ents.entities if e.name in ("Detectives", "Officers")]
    assert not [q for q in quotes if q.speaker is not None and q.speaker.name in ("Detectives", "Officers")]
