"""The extractive summarizer on invented stories: real source sentences with
correct citations, no restatements, the budget filled, and only a shortlist
of sentences embedded."""
from __future__ import annotations

import pytest

from storyline.analyze.embedcache import SentenceVectors, text_vectors
from storyline.analyze.nlp import content_words
from storyline.evaluate import summaries as ev
from storyline.ingest import RawArticle, build_article, furniture
from storyline.report import summarize as sm
from storyline.settings import IngestSettings, SameFact, SummarySettings

SETTINGS = SummarySettings()

WIRE = """\
(Alder Press) A landslide blocked the only road into the mountain town of Harlow Falls on Thursday, cutting off about 3,000 residents.
Heavy rain had soaked the slopes above Route 9 for most of the week before the hillside gave way early in the morning.
No one was hurt in the slide, the county sheriff's office said in a statement.
Crews from the state transport department began clearing rock and mud from the road on Thursday afternoon.
Engineers said the road could reopen within five days if the weather stays dry.
The town's only grocery store said it had enough food for about a week.
A helicopter will fly medicines and fuel to the town's clinic on Friday, the county said.
Harlow Falls was cut off for nine days after a smaller slide on the same slope in 2011.
The state geologist said the slope had been monitored with sensors since that earlier slide.
Residents were advised to avoid the riverbank below the slide because more rock could fall.
The school district closed the town's two schools until the road reopens.
Farmers in the valley said they could not get their milk to the dairy in Crestwood.
"""
LOCAL = """\
Harlow Falls residents woke up on Thursday to find a landslide had cut the only road out of town.
The slide came down from the hillside above Route 9 after almost a week of heavy rain.
Nobody was injured, according to the sheriff's office.
Mayor Petra Lindqvist said the town council would meet on Friday to plan deliveries.
The state transport department said the road might reopen within five days if it stays dry.
Volunteers at the community hall handed out bottled water on Thursday evening.
The clinic will receive medicines and fuel by helicopter on Friday, county officials said.
Lindqvist said older residents who need regular care had been contacted by phone.
The local radio station stayed on air through the night with updates for residents.
Many residents remembered 2011, when a smaller slide on the same slope isolated the town for nine days.
The town's bakery said it would keep baking as long as its flour lasted.
A footpath over the ridge remained open for emergencies, the fire chief said.
"""
WEATHER = """\
Forecasters expect dry weather in the mountains over the next five days, which should help crews reopen the road to Harlow Falls.
The landslide on Thursday followed the wettest week in the region since records began in 1952.
Rainfall above Route 9 reached 180 millimetres in six days, the weather service said.
Saturated soil on steep slopes is the main cause of landslides in the region, a state geologist said.
The weather service issued a landslide warning for three other mountain valleys.
Temperatures are expected to drop below freezing at night by the weekend.
A cold front from the north will bring clear skies but strong winds on Saturday.
Rivers in the valley are expected to fall back below flood level by Sunday.
The weather service said the wet spell was linked to a stalled low-pressure system over the coast.
Another band of rain could arrive late next week, forecasters warned.
"""


def article(text: str, source: str):
    return build_article(RawArticle(source=source, text=text, headline_in_text=False))


@pytest.fixture(scope="module")
def story():
    return [article(WIRE, "wire"), article(LOCAL, "local"), article(WEATHER, "weather")]


class CountingVectors(SentenceVectors):
    """Remembers which sentences the summarizer asked vectors for."""

    def __init__(self, articles):
        super().__init__(articles)
        self.asked: set[tuple[str, int]] = set()

    def __call__(self, keys):
        keys = list(keys)
        self.asked.update(keys)
        return super().__call__(keys)


@pytest.fixture(scope="module")
def summarized(story):
    vectors = CountingVectors(story)
    summary, points = sm.summarize(story, words=70, key_points=4, vectors=vectors)
    return summary, points, vectors.asked


def test_every_sentence_is_a_source_sentence_that_cites_itself_first(story, summarized):
    summary, points, _ = summarized
    by_id = {a.id: a for a in story}
    assert summary and points
    for item in summary + points:
        first = item.citations[0]
        source = by_id[first.article_id]
        sentence = source.sentences[first.sentence]
        assert source.text[first.start:first.end] == sentence.text
        assert item.text in sentence.text  # at most a leading dateline or connective dropped


def test_the_wire_credit_is_dropped_from_the_lead(story, summarized):
    summary, points, _ = summarized
    lead = story[0].sentences[0]
    assert lead.text.startswith("(Alder Press)")  # ingest leaves a credit without a dateline dash
    candidates = sm._candidates([(a, s) for a in story for s in a.sentences])
    (wire_lead,) = [c for c in candidates if c.sentence is lead]
    assert wire_lead.text == lead.text.removeprefix("(Alder Press) ")
    assert not any("Alder Press" in item.text for item in summary + points)


def test_a_fact_two_sources_state_cites_both(story, summarized):
    summary, points, _ = summarized
    ids = {a.id for a in story}
    cited_twice = [item for item in summary + points if len(item.article_ids()) >= 2]
    assert cited_twice
    for item in cited_twice:
        assert set(item.article_ids()) <= ids
        # every extra citation is another article's sentence
        assert len(set(item.article_ids())) == len(item.citations)


def test_no_two_summary_sentences_restate_each_other(summarized):
    summary, _, _ = summarized
    vectors = text_vectors([item.text for item in summary])
    sims = vectors @ vectors.T
    n = len(summary)
    assert n >= 2
    assert max(sims[i, j] for i in range(n) for j in range(i + 1, n)) < SETTINGS.redundant + 0.05


def test_the_word_budget_is_filled_but_not_overshot_much(summarized):
    summary, _, _ = summarized
    words = sum(len(item.text.split()) for item in summary)
    assert 70 <= words <= 70 * SETTINGS.overfill + SETTINGS.max_words


def test_only_a_shortlist_is_embedded(story, summarized):
    _, _, asked = summarized
    total = sum(len(a.sentences) for a in story)
    assert asked
    assert len(asked) <= total / 2  # the cheap ranking kept most sentences away from MiniLM
    assert len(asked) <= 10 * len(story)


def test_the_settings_passed_are_the_ones_used(story, summarized):
    """Settings are parameters, not globals: a variant changes only its own summary."""
    summary, points, _ = summarized
    assert any(len(item.text.split()) > 18 for item in summary + points)
    short, short_points = sm.summarize(story, words=70, key_points=4, settings=SummarySettings(max_words=18))
    assert short and all(len(item.text.split()) <= 18 for item in short + short_points)
    # a same-fact cosine no two sentences reach: every sentence cites only itself
    alone, _ = sm.summarize(story, words=70, same_fact=SameFact(cosine=1.01))
    assert alone and all(len(item.citations) == 1 for item in alone)
    # a reporting sentence needs more words than any of these sources' sentences have
    assert sm._candidates([(a, s) for a in story for s in a.sentences], ingest=IngestSettings(reporting_min_words=60)) \
        == []
    assert sm.summarize(story, words=70, key_points=4) == (summary, points)  # the defaults are untouched


def test_the_citation_check_counts_the_summarizers_content_words_stemmed():
    """One definition of content words: the evaluation stems the summarizer's, with no stop
    words or tokenizer of its own."""
    text = "The crews were clearing the roads, and they said it's closed until Friday."
    assert content_words(text) == {"crews", "clearing", "roads", "said", "closed", "friday"}
    assert ev.content_words(text) == {"crew", "clear", "road", "said", "close", "friday"}


def test_a_longer_budget_takes_more_sentences(story):
    short, _ = sm.summarize(story, words=40)
    long, _ = sm.summarize(story, words=150)
    assert len(long) > len(short)
    assert sum(len(i.text.split()) for i in long) >= 150 * 0.8


def test_sentences_that_cannot_stand_alone_are_not_candidates():
    assert sm._standalone("He said the road would reopen within five days of the landslide.") is None
    assert sm._standalone("Crews cleared the road?") is None
    assert sm._standalone("Click here to subscribe to our newsletter for daily updates.") is None
    kept = "Crews from the state transport department began clearing rock from the road."
    assert sm._standalone(kept) == kept
    # a leading connective is dropped, but not a word the sentence needs
    assert sm._standalone("But crews began clearing rock from the road on Thursday.") == \
        "Crews began clearing rock from the road on Thursday."
    assert sm._standalone("So far, the county has spent 2 million dollars on clearing the road.") is None
    assert sm._standalone("Also, crews began clearing rock from the road on Thursday.") == \
        "Crews began clearing rock from the road on Thursday."


@pytest.mark.parametrize("text, kept", [
    ("(WXYZ) A landslide blocked the only road into the mountain town on Thursday.",
     "A landslide blocked the only road into the mountain town on Thursday."),
    ("Harlow Falls, Montana (WXYZ) A landslide blocked the only road into the town on Thursday.",
     "A landslide blocked the only road into the town on Thursday."),
    ("HARLOW FALLS—A landslide blocked the only road into the mountain town on Thursday.",
     "A landslide blocked the only road into the mountain town on Thursday."),
    # an abbreviation in brackets inside the sentence is part of it
    ("The State Transport Department (STD) Crews began clearing the road on Thursday.",
     "The State Transport Department (STD) Crews began clearing the road on Thursday."),
])
def test_leftover_datelines_are_trimmed(text, kept):
    assert sm._standalone(text) == kept


def test_sentences_that_lean_on_others_only_fill_a_budget_the_rest_cannot():
    sparse = [
        article("The council of Lakeport approved the new city budget on Monday after a long debate.\n"
                "It includes money for three new schools and a public library in the harbour district.\n"
                "They will open in 2027, officials said at the end of the meeting.", "council"),
        article("Lakeport's council passed the city budget on Monday evening by seven votes to two.\n"
                "\"We listened to parents,\" she said after the vote on Monday evening.", "vote"),
    ]
    short, points = sm.summarize(sparse, words=15)
    assert all(sm._standalone(item.text) for item in short + points)
    long, points = sm.summarize(sparse, words=60)
    texts = [item.text for item in long]
    assert any(t.startswith("It includes money") for t in texts)  # better than leaving the budget unused
    assert not any(t.startswith("It includes money") for t in (item.text for item in points))


def test_a_figure_restated_in_other_words_is_redundant():
    """MiniLM rates two wordings of one poll result only ~0.59 alike: the shared figure
    (not a year) marks them as one fact; the same wording with another figure is not
    caught that way, and a year shared alone proves nothing."""
    poll = article("A survey of 2,000 savers found that 59% of small investors plan to sell shares before the summer.\n"
                   "The survey was carried out by the Harbour Savings Trust in 2019.\n", "poll")
    other = article("Some 59% of retail investors told pollsters they would cut their stock holdings.\n"
                    "Some 41% of retail investors told pollsters they would cut their stock holdings.\n", "other")
    first, same, different = (sm.Candidate(a, s, s.text, 0) for a, s in
                              [(poll, poll.sentences[0]), (other, other.sentences[0]), (other, other.sentences[1])])
    sm._embed([first, same, different], SentenceVectors([poll, other]))
    assert 0.5 <= float(first.vector @ same.vector) < SETTINGS.redundant
    assert sm._restates(same, first) and not sm._restates(different, first)
    assert sm._figures("The survey was carried out in 2019 by 12 pollsters.") == {"12"}


@pytest.mark.parametrize("text, reporting", [
    ("Facebook changed its privacy policy on Tuesday after regulators in Brussels objected.", True),
    ("Several advertisers pulled their ads from the show after the remarks on Friday.", True),
    ("The bakery on Mill Street sold 4,000 cookies at the harvest fair this weekend.", True),
    ("This site uses cookies to improve your experience and to show you relevant ads.", False),
    ("By using this site you agree to our Privacy Policy and Terms of Service today.", False),
    ("Advertisement Continue reading the main story below this line of text.", False),
])
def test_site_notices_are_furniture_but_news_about_their_subjects_is_not(text, reporting):
    assert (furniture.reporting(text, SETTINGS.max_words) is not None) == reporting


def test_words_the_sources_share_up_front_get_higher_rates(story):
    """The word-rate model: a word every source uses, early, is expected in a summary
    more often than a word one source uses once, late."""
    rates = sm.word_rates([(a, s) for a in story for s in a.sentences])
    assert rates["landslide"] > rates["bakery"]
    assert rates["road"] > rates["milk"]
    assert rates["harlow"] > rates["dairy"]
    assert all(rate > 0 for rate in rates.values())


def test_coverage_gain_falls_once_the_words_are_chosen(story):
    everything = [(a, s) for a in story for s in a.sentences]
    candidates = {c.text: c for c in sm._candidates(everything)}
    first = next(c for t, c in candidates.items() if t.startswith("A landslide blocked"))
    restated = next(c for t, c in candidates.items() if t.startswith("Harlow Falls residents woke up"))
    coverage = sm.Coverage(sm.word_rates(everything))
    before = coverage.gain(restated)
    assert 0 < before <= 1
    coverage.add(first)
    assert coverage.gain(restated) < before
    assert coverage.gain(first) < before  # a sentence repeated adds less than it did the first time


PREVIEW = """\
The mayor of Harlow Falls plans to open the new footbridge over the river on Saturday, the town council said.
The bridge took two years to build and cost 4 million dollars.
Residents have waited since 2011 for a safe crossing to the school.
"""
REPORT = """\
The mayor of Harlow Falls opened the new footbridge on Saturday and walked across it with the first pupils.
Hundreds of residents watched as the ribbon was cut at the school end of the bridge.
The bridge took two years to build and cost 4 million dollars, the council said.
"""


def test_a_preview_lead_gives_way_to_the_report_of_the_event():
    """An article written before the event its story reports gets no position prior:
    its lead announces what the report tells as done."""
    preview, report = article(PREVIEW, "preview"), article(REPORT, "report")
    plans, opened = "The mayor of Harlow Falls plans", "The mayor of Harlow Falls opened"
    for previews, expected, superseded in [((), plans, opened), ({preview.id}, opened, plans)]:
        summary, _ = sm.summarize([preview, report], words=40, previews=previews)
        texts = [s.text for s in summary]
        assert any(t.startswith(expected) for t in texts), texts
        assert not any(t.startswith(superseded) for t in texts), texts  # the two leads restate each other


def test_a_quotation_after_a_sentence_quoting_its_speaker_is_not_given_the_speaker_again():
    """The quote analysis gives an all-quotation sentence its speaker ("Name: “...”")
    unless the summary sentence before it quotes the same speaker."""
    lead = "“The council will meet on Friday to plan deliveries of food and fuel,” said Mayor Petra Lindqvist."
    quote = "“We will not leave anyone behind in this town, whatever the weather does next week.”"
    for lead_speaker, expected in [("Petra Lindqvist", quote), (None, f"Petra Lindqvist: {quote}")]:
        source = article(f"{lead}\n{quote}\nThe road into Harlow Falls has been closed since the landslide on Thursday.\n",
                         "council")
        speakers = {(source.id, 0): lead_speaker, (source.id, 1): "Petra Lindqvist"}
        summary, _ = sm.summarize([source], words=200, speakers=speakers)
        texts = [s.text for s in summary]
        assert texts[:2] == [lead, expected], texts
        assert summary[1].citations[0].sentence == 1
