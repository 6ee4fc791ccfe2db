"""Facts across sources: agreement, single-source, tension, syndication."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from storyline.analyze.samefact import parse_figure
from storyline.analyze.relate import analyze_story
from storyline.ingest.segment import segment
from storyline.model import Article, Difference, EntityEntry, Fact, PartialDate, QuoteEntry
from storyline.settings import FactsSettings, SameFact, Settings
from storyline.stories.dedup import find_copies

EXAMPLES = json.loads((Path(__file__).parent / "data" / "analysis_examples.json").read_text())


def article(paragraphs: list[str], aid: str, outlet: str = "Test") -> Article:
    text, sentences = segment(paragraphs)
    return Article(text=text, title=aid, outlet=outlet, id=aid, sentences=sentences,
                   published=PartialDate.parse("2024-03-05"))


def example(name: str) -> list[Article]:
    return [article(r["paragraphs"], r["id"], r["outlet"]) for r in EXAMPLES[name]]


@pytest.fixture(scope="module")
def seed_analysis(seed_articles):
    return analyze_story(seed_articles)


@pytest.fixture(scope="module")
def strike():
    """The port strike story with its syndicated copies, as the pipeline passes them."""
    articles = example("port_strike")
    copies = find_copies(articles)
    assert copies == {"wire_edited": "wire", "wire_partial": "wire"}
    return analyze_story(articles, copies=copies)


def test_parse_figure():
    assert parse_figure("hundreds of thousands") == (200_000, 999_999)
    assert parse_figure("more than 400,000") == (400_000, float("inf"))
    assert parse_figure("2 million") == (2_000_000, 2_000_000)
    lo, hi = parse_figure("about 150")
    assert lo < 150 < hi < 200
    assert parse_figure("10 to 15") is None
    lo, hi = parse_figure("nearly 50")  # below it, not around it
    assert 40 < lo < 50 and hi == 50


def test_nearly_a_figure_is_not_a_figure_above_it():
    from storyline.analyze.samefact import figures_conflict, gives_figures_of
    assert figures_conflict("Police counted nearly 50 break-ins in May.", "Police counted 51 break-ins in May.")
    assert not gives_figures_of("Police counted 51 break-ins in May.", "Police counted nearly 50 break-ins in May.")
    assert not figures_conflict("Police counted nearly 50 break-ins in May.", "Police counted 48 break-ins in May.")
    assert not figures_conflict("Police counted nearly 50 break-ins.", "Police counted about 50 break-ins.")


def test_seed_safe_zones_omission(seed_analysis):
    diff = [d for d in seed_analysis.differ if d.kind == "omission"]
    assert len(diff) == 1
    d = diff[0]
    assert d.topic == "safe zones"
    assert [s.label for s in d.sides] == ["White House", "Kremlin"]
    assert "zones" in d.sides[0].text and "no mention" in d.sides[1].text


def test_seed_death_toll_ranges_that_overlap_are_no_difference(seed_analysis, seed_articles):
    """"hundreds of thousands dead" (the preview) and "more than 400,000 dead" (the wire)
    both hold: compatible figures are one side, so no difference (issue 17)."""
    assert not [d for d in seed_analysis.differ if d.kind == "figures"]
    texts = [a.text for a in seed_articles]
    assert "hundreds of thousands" in texts[0] + texts[1] and "400,000" in texts[0] + texts[1]


def test_seed_sources_and_agreement(seed_analysis):
    assert seed_analysis.independent_sources == 2
    texts = " ".join(f.text for f in seed_analysis.agree)
    assert "July" in texts or "senses" in texts
    for f in seed_analysis.agree:
        assert f.independent_sources == 2
    assert 0 < len(seed_analysis.single_source) <= FactsSettings().max_single_source


def test_copies_passed_in_count_as_one_source(strike):
    assert strike.independent_sources == 3
    # carried by the wire story and its edited reprint only: one independent source, two articles
    costa = [f for f in strike.single_source if "unaffordable" in f.text]
    assert costa and costa[0].independent_sources == 1 and set(costa[0].article_ids()) == {"wire", "wire_edited"}
    assert not [f for f in strike.agree if "unaffordable" in f.text]
    # the quote of the wire story and its two copies, from two more outlets: three sources, five articles
    ferreira = [q for q in strike.quotes if "patience is over" in q.text]
    assert ferreira and ferreira[0].independent_sources == 3 and len(ferreira[0].article_ids()) == 5
    # quotes are ranked by independent sources
    counts = [q.independent_sources for q in strike.quotes]
    assert counts == sorted(counts, reverse=True)


def test_each_sentence_of_a_quote_agrees_with_the_sources_that_carry_it(strike):
    """Ferreira's two-sentence quote: the wire (and its copies) and the courier carry "We have
    been patient", the wire and the post "Nobody will unload": two facts of two sources each,
    not one fact of three whose text the post does not carry (issue 17)."""
    by_text = {f.text: f for f in strike.agree if "patien" in f.text or "Nobody will unload" in f.text}
    assert sorted(f.independent_sources for f in by_text.values()) == [2, 2]
    patient = next(f for t, f in by_text.items() if "patien" in t)
    assert {c.article_id for c in patient.citations} == {"wire", "wire_edited", "wire_partial", "courier"}


def test_contradicting_figures_and_no_false_tension(strike):
    figs = [d for d in strike.differ if d.kind == "figures"]
    assert len(figs) == 1 and "ship" in figs[0].topic
    assert figs[0].compatible is False
    # "two people were injured" and "five people were arrested" count different things
    assert not [d for d in strike.differ if "people" in d.topic]
    omission = [d for d in strike.differ if d.kind == "omission"]
    assert len(omission) == 1 and omission[0].topic == "safety rules"
    assert [s.label for s in omission[0].sides] == ["Ana Ferreira", "Ministry of Transport"]


def test_single_article_without_quotes_and_empty_story():
    a = article(["Heavy rain fell across the northern region on Sunday, flooding roads near Braga.",
                 "Rivers rose by two metres and the regional council closed three schools."], "rain")
    an = analyze_story([a])
    assert an.quotes == [] and an.agree == [] and an.differ == []
    assert an.independent_sources == 1
    empty = analyze_story([])
    assert empty.entities == [] and empty.independent_sources == 0


def test_sections_are_typed_and_round_trip_through_json(seed_analysis):
    types = {"entities": EntityEntry, "quotes": QuoteEntry, "agree": Fact, "differ": Difference,
             "single_source": Fact}
    for section, kind in types.items():
        items = getattr(seed_analysis, section)
        assert items and all(isinstance(item, kind) for item in items), section
        for item in items:
            assert item.citations
            assert kind.from_dict(json.loads(json.dumps(item.to_dict()))) == item


def test_a_lightly_edited_rewrite_with_no_copies_given_is_its_own_source():
    # every sentence lightly edited, so the shingle index finds no copy; the analysis does
    # not second-guess it: a rewrite whose facts differ ("sixty" / "60") stays a source
    articles = example("rewrite")
    assert find_copies(articles) == {}
    an = analyze_story(articles)
    assert an.independent_sources == 3
    firefighters = [f for f in an.agree if "firefighters and" in f.text]
    assert firefighters and firefighters[0].independent_sources == 2
    assert set(firefighters[0].article_ids()) == {"orig", "rewrite"}
    # told it is a copy, the same story counts it once
    told = analyze_story(articles, copies={"rewrite": "orig"})
    assert told.independent_sources == 2
    assert not [f for f in told.agree if "firefighters and" in f.text]


def test_counts_of_different_years_are_not_in_tension():
    a = article(["The agency confirmed 121 cases of the illness across the country in 2014, its report said."], "a")
    b = article(["The agency confirmed 21 cases of the illness across the country in 2015, its report said."], "b")
    assert [d for d in analyze_story([a, b]).differ if d.kind == "figures"] == []
    c = article(["In 2015 the agency confirmed 30 cases of the illness, officials in the capital told reporters."], "c")
    figs = [d for d in analyze_story([b, c]).differ if d.kind == "figures"]
    assert len(figs) == 1 and figs[0].compatible is False


def test_story_without_statements_is_analysed(tmp_path):
    """A story whose sentences yield no statements must not crash the analysis (ingest
    refuses such a text, but the Python API can build one)."""
    from storyline.analyze.embedcache import SentenceVectors
    from storyline.analyze.relate import analyze_story
    from storyline.ingest import RawArticle, build_article

    # every sentence is shorter than a statement needs to be
    articles = [build_article(RawArticle(source="a.txt", title="Weather",
                                         text="Sunny spells ahead. Light winds. Warm nights too. Rain later, maybe."))]
    analysis = analyze_story(articles, vectors=SentenceVectors(articles))  # as the brief calls it
    assert analysis.agree == [] and analysis.differ == [] and analysis.independent_sources == 1


def test_only_mutual_best_lexical_matches_are_compared_in_meaning():
    """Each statement is paired with its best lexical match in each other article, when
    that match picks it back and they share enough distinctive words; nothing else is
    embedded."""
    from storyline.analyze.facts import Statement, candidate_pairs, overlap_matrix

    def st(article, k, words):
        return Statement(article, k, " ".join(words), 0, 1, article, set(), set(words))

    stmts = [
        st("a", 0, ["ferry", "resume", "monday", "repair"]),
        st("a", 1, ["engine", "pass", "trial"]),
        st("a", 2, ["ticket", "refund", "crossing"]),
        st("b", 0, ["ferry", "resume", "monday", "engine"]),  # best match of a0, and a0 is its best
        st("b", 1, ["ticket", "refund", "passenger"]),
        st("b", 2, ["weather", "harbour", "storm"]),  # shares nothing
        st("c", 0, ["ferry", "monday"]),  # a third article: each statement pairs per article
    ]
    overlap, cosine = overlap_matrix(stmts)
    assert overlap[0, 3] > overlap[0, 4] and overlap[5, :5].max() == 0
    pairs = candidate_pairs(stmts, overlap, cosine)
    assert (0, 3) in pairs and (2, 4) in pairs
    assert not any(5 in p for p in pairs)
    assert all(stmts[i].article_id != stmts[j].article_id for i, j in pairs)
    # every pair is mutual: i is j's best in i's article and j is i's best in j's article
    for i, j in pairs:
        for x, y in ((i, j), (j, i)):
            same_article = [k for k, s in enumerate(stmts) if s.article_id == stmts[y].article_id]
            assert max(same_article, key=lambda k: overlap[x, k]) == y


def test_settings_reach_the_analysis():
    articles = example("rewrite")  # paraphrased: "More than sixty firefighters and ..." / "More than 60 ..."
    strict = Settings(same_fact=SameFact(cosine=0.99))
    paraphrases_apart = analyze_story(articles, settings=strict)
    assert not [f for f in paraphrases_apart.agree if "firefighters and" in f.text]
    assert len(paraphrases_apart.single_source) > 1
    fewer = analyze_story(articles, settings=replace(strict, facts=FactsSettings(max_single_source=1)))
    assert fewer.single_source == paraphrases_apart.single_source[:1]


# ---- the same fact, and sources that disagree (tests/data/disagreement_examples.json) ----

DISAGREEMENT = json.loads((Path(__file__).parent / "data" / "disagreement_examples.json").read_text())


def disagreeing(name: str) -> list[Article]:
    out = []
    for r in DISAGREEMENT[name]["articles"]:
        text, sentences = segment(r["paragraphs"])
        out.append(Article(text=text, title=r["id"], outlet=r["outlet"], id=r["id"], sentences=sentences,
                           published=PartialDate.parse(r["published"])))
    return out


@pytest.fixture(scope="module")
def disagreement_briefs():
    """Per fixture story: its articles, analysis and cited summary + key points."""
    from storyline.report.summarize import summarize

    out = {}
    for name in (n for n in DISAGREEMENT if not n.startswith("_")):
        articles = disagreeing(name)
        assert find_copies(articles) == {}, "the fixture's reports must be independent"
        summary, points = summarize(articles, words=150)
        out[name] = (articles, analyze_story(articles), summary + points)
    return out


def cited_text(articles: list[Article], c) -> str:
    return next(a for a in articles if a.id == c.article_id).sentences[c.sentence].text


def citation_errors(articles: list[Article], items, facts_gold) -> tuple[int, list]:
    """(judged citations, the wrong ones): an item naming a gold fact's marker may cite
    only the articles that state that fact."""
    judged, wrong = 0, []
    for item in items:
        gold = next((g for g in facts_gold if g["marker"].lower() in item.text.lower()), None)
        if gold is None:
            continue
        for c in item.citations:
            judged += 1
            if c.article_id not in gold["articles"]:
                wrong.append((item.text, cited_text(articles, c)))
    return judged, wrong


@pytest.mark.parametrize("a, b, same", [
    ("Three people died when the storm struck.", "Five people died after the storm hit.", False),
    ("About 4,000 homes were without power.", "Power was out in around 9,000 homes.", False),
    ("Some 9,000 homes had no electricity.", "Power was still out in around 9,000 homes.", True),
    ("The death toll rose to five on Tuesday.", "Five people died in the storm.", True),
    ("hundreds of thousands of people need aid", "more than 400,000 people need aid", True),
    ("Okafor said Renner had been charged with two counts of arson.",
     "Okafor said Renner became a suspect six days earlier.", False),
    ("Varga did not sign the treaty on Thursday.", "Varga signed the treaty on Thursday.", False),
    ("Varga didn't sign the treaty.", "Varga signed the treaty.", False),
    ("The law was passed in 2018 by the council.", "The council passed the law in 2018.", True),
    ("No one was hurt, police said.", "Police said no one was hurt.", True),
    ("He signed the $1.1 trillion bill.", "He signed the 1.1 trillion dollar spending bill.", True),
    ("The rent rose to $4m a year.", "The rent rose to $5 million a year.", False),
    ("The 16-year-old collapsed at school last month and died.", "He collapsed at school on April 26 and died.", True),
    ("He was released around 10:50 in the morning.", "He was released just before 11 a.m.", True),
    ("The members approved the deal at a meeting in Alder on Tuesday.",
     "The members approved the deal at a meeting in Alder on Wednesday.", False),
    ("The court in Leeds sentenced Renner to six years on Friday.",
     "The court in Bradford sentenced Renner to six years on Friday.", False),
    ("Judge Miriam Okonjo said the fraud was calculated.", "Okonjo said the fraud was calculated.", True),
    ("Crews were sent as the sea wall gave way.", "Crews were sent to Carrow as the sea wall gave way.", True),
    ("The deal was signed on March 14 after two months of talks.",
     "The deal was signed on Thursday after two months of talks.", True),
    ("The farm lies about 65 miles west of the city.", "The farm lies about 70 miles west of the city.", False),
    ("The list names Linnaeus, though possibly not the most important man.", "The list names Linnaeus.", True),
])
def test_states_same_fact(a, b, same):
    from storyline.analyze.samefact import states_same_fact

    assert states_same_fact(a, b) is same
    assert states_same_fact(b, a) is same


def test_a_citation_gives_the_claims_figures():
    from storyline.analyze.samefact import states_same_fact

    claim = "Renner was arrested on Tuesday and charged with two counts of arson."
    assert states_same_fact(claim, "The 58-year-old was charged with two counts of arson on Wednesday.", cited=True)
    assert not states_same_fact(claim, "Renner became a suspect six days ago.", cited=True)
    assert not states_same_fact("5,000 residents left.", "The number rose to 6,000, up from 2,000.", cited=True)
    assert states_same_fact("Five people died.", "The toll rose to five after two fishermen were found.", cited=True)


SLOT_KINDS = ("date", "place", "participant")


def slot_stories() -> list[str]:
    return [n for n in DISAGREEMENT if not n.startswith("_")
            and any(d.get("kind") in SLOT_KINDS for d in DISAGREEMENT[n]["gold"]["differences"])]


def test_no_citation_or_agreement_for_a_contradicted_figure(disagreement_briefs):
    for name, (articles, analysis, cited) in disagreement_briefs.items():
        gold = DISAGREEMENT[name]["gold"]["facts"]
        judged, wrong = citation_errors(articles, cited + analysis.agree, gold)
        assert judged and not wrong, (name, wrong)


def test_no_summary_citation_across_a_date_place_or_name(disagreement_briefs):
    for name in slot_stories():
        articles, _, cited = disagreement_briefs[name]
        judged, wrong = citation_errors(articles, cited, DISAGREEMENT[name]["gold"]["facts"])
        assert judged and not wrong, (name, wrong)


@pytest.mark.parametrize("name", ["gale", "court", "deal", "reprint"])
def test_a_date_place_or_name_that_differs_is_a_difference(disagreement_briefs, name):
    """Sentences that match except for the landfall's day, the court's town, the judge or
    the chief executive: a difference with each side's value and sources, and no agreement."""
    articles, analysis, _ = disagreement_briefs[name]
    gold = [g for g in DISAGREEMENT[name]["gold"]["differences"] if g.get("kind") in SLOT_KINDS]
    found = [d for d in analysis.differ if d.kind in SLOT_KINDS]
    assert sorted(d.kind for d in found) == sorted(g["kind"] for g in gold)
    for want in gold:
        d = next(d for d in found if d.kind == want["kind"])
        assert [s.figure for s in d.sides] == [value for value, _ in want["sides"]]
        for side, (value, arts) in zip(d.sides, want["sides"]):
            got = {c.article_id for c in side.citations}
            assert arts[0] in got and got <= set(arts), (name, value, got)
            assert all(value.split()[-1] in cited_text(articles, c) for c in side.citations)  # "Okonjo told him"
            assert side.label and value in d.text
        in_tension = {(c.article_id, c.sentence) for c in d.citations}
        assert not any(in_tension & {(c.article_id, c.sentence) for c in f.citations} for f in analysis.agree)


def test_what_the_text_reconciles_is_no_date_place_or_name_difference(disagreement_briefs):
    """One date written two ways (Monday / October 7; Thursday / March 14), a sentence that
    only adds the place ("sent to Carrow"), a surname for the full name ("Okonjo", "Achebe,
    the prosecutor"), and the figure-only stories: no such difference."""
    for name, (articles, analysis, _) in disagreement_briefs.items():
        listed = [(d.kind, s.figure) for d in analysis.differ if d.kind in SLOT_KINDS for s in d.sides]
        gold = [(g.get("kind"), value) for g in DISAGREEMENT[name]["gold"]["differences"] for value, _ in g["sides"]]
        assert set(listed) <= set(gold), name
    _, gale, _ = disagreement_briefs["gale"]
    assert any("ferry" in f.text for f in gale.agree) and any("sent to Carrow" in f.text for f in gale.agree)
    _, deal, _ = disagreement_briefs["deal"]
    assert any("two months of talks" in f.text for f in deal.agree)


def test_storm_figures_differ_with_each_sides_sources(disagreement_briefs):
    """Issue 17: three dead (Monday night) / five dead (Tuesday, the toll rose); 4,000 vs
    9,000 homes; 120 vs 140 km/h."""
    _, analysis, _ = disagreement_briefs["storm"]
    found = {d.topic: d for d in analysis.differ if d.kind == "figures"}
    assert set(found) == {"how many people", "how many homes", "how many km/h"}
    for want in DISAGREEMENT["storm"]["gold"]["differences"]:
        d = found[f"how many {want['unit']}"]
        assert len(d.sides) == len(want["sides"])
        for side, (figure, arts) in zip(d.sides, want["sides"]):
            assert figure.lower() in side.figure.lower()
            assert sorted({c.article_id for c in side.citations}) <= sorted(arts)
        assert d.text.startswith("The figure changed over time") is want.get("changed_over_time", False)
    # the Mayor's shelter is the one fact all three state
    assert [f.independent_sources for f in analysis.agree] == [3]


def test_a_toll_that_rose_is_a_change_over_time(disagreement_briefs):
    _, analysis, _ = disagreement_briefs["flood"]
    [d] = analysis.differ
    assert d.text == "The figure changed over time: “2,000 residents” (River Post), then “6,000 residents” (County Wire)."
    assert not any("6,000" in f.text for f in analysis.agree)


def test_figures_the_text_reconciles_are_no_difference(disagreement_briefs):
    _, analysis, _ = disagreement_briefs["famine"]
    assert analysis.differ == []


def test_a_denial_is_a_difference_not_an_agreement(disagreement_briefs):
    _, analysis, cited = disagreement_briefs["treaty"]
    [d] = analysis.differ
    assert d.kind == "negation" and [s.label for s in d.sides] == ["Capital Times", "Harbour Daily"]
    assert not any("sign" in f.text for f in analysis.agree)
    signing = [c for c in cited if "sign" in c.text]
    assert signing and all(len({x.article_id for x in c.citations}) == 1 for c in signing)


# ---- syndication: a near-copy whose facts differ is a rewrite (issue 17) ----

def test_a_near_copy_whose_facts_differ_is_not_a_copy():
    """$4m -> $5m, Tuesday -> Wednesday, 5,000 -> 6,000 in an otherwise reprinted wire story:
    its own source. The same reprint with only words swapped stays a copy."""
    from storyline.stories.dedup import containment, shingles

    wire, rewrite = disagreeing("reprint")
    assert containment(shingles(wire.text, 5), shingles(rewrite.text, 5)) > 0.7  # a copy by its words
    assert find_copies([wire, rewrite]) == {}
    paragraphs = [p.replace(" said", " stated") for p in DISAGREEMENT["reprint"]["articles"][0]["paragraphs"]][:-1]
    text, sentences = segment(paragraphs)
    reworded = replace(wire, id="reworded", outlet="Other", text=text, sentences=sentences,
                       published=PartialDate.parse("2024-07-05"))
    assert find_copies([wire, rewrite, reworded]) == {"reworded": "farm_wire"}


def test_a_rewrite_that_differs_shows_its_differences_in_the_brief_and_the_stories_list(tmp_path):
    from storyline.pipeline import Pipeline, Story
    from storyline.stories.cluster import list_stories
    from storyline.store import Store

    articles = disagreeing("reprint")
    pipeline = Pipeline()
    brief = pipeline.brief(Story(None, articles, pipeline.copies(articles)), words=120)
    assert all(s.copy_of is None for s in brief.sources)
    shown = {(d.kind, tuple(s.figure for s in d.sides)) for d in brief.differ}
    assert ("figures", ("$4m", "$5m")) in shown and ("figures", ("about 5,000 farms", "about 6,000 farms")) in shown
    assert ("date", ("Tuesday", "Wednesday")) in shown
    with Store(tmp_path / "s.db") as store:
        Pipeline(store=store).add(articles)
        [story] = list_stories(store)
        assert story["articles"] == 2 and story["independent_sources"] == 2


def test_a_word_given_in_many_values_is_many_counts_not_a_disagreement():
    # each source gives the winds of another category of storm: one word ("mph"), many counts
    speeds = [74, 96, 111, 130, 157]
    articles = [article([f"A Category {k + 1} storm of the season brings winds of {mph} mph to the coast, "
                         "forecasters at the storm centre said."], f"s{k}", f"Outlet {k}")
                for k, mph in enumerate(speeds)]
    assert [d for d in analyze_story(articles).differ if d.kind == "figures"] == []
    # two sources that give two figures for one storm's winds disagree
    two = [article(["The storm brought winds of 120 mph to the coast on Monday, forecasters at the storm centre said."],
                   "a", "Outlet A"),
           article(["The storm brought winds of 140 mph to the coast on Monday, forecasters at the storm centre said."],
                   "b", "Outlet B")]
    [fig] = [d for d in analyze_story(two).differ if d.kind == "figures"]
    assert [s.figure for s in fig.sides] == ["120 mph", "140 mph"]


@pytest.mark.parametrize("story_id", ["mn125", "mn129"])
def test_no_figure_difference_a_sentence_of_its_own_tells_apart_in_real_stories(story_id):
    # mn125: one sentence gives "about 1,020 miles" west of a city and "about 220 miles" south
    # of a search zone; mn129: a hurricane's speeds, each of another category or moment
    from .conftest import corpus_story
    from storyline.analyze.embedcache import SentenceVectors

    articles = corpus_story("multinews/test.jsonl", story_id)
    analysis = analyze_story(articles, vectors=SentenceVectors(articles))
    for d in (d for d in analysis.differ if d.kind == "figures"):
        assert len(d.sides) <= FactsSettings().max_figure_sides, d.text
        figures = [s.figure.split()[0] for s in d.sides]
        assert not any(sum(f in s.text for f in figures) >= 2 for s in d.sides), d.text
