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

    cosine: float = 0.65
    """MiniLM cosine at or above which two sentences that share distinctive words (see
    FactsSettings.word_overlap) state the same fact. Higher: fewer, surer agreements; lower:
    more restatements joined, and more sentences joined that only share the story's vocabulary.
    Hand-set with the facts analysis (commit 4ee323e, facts.SIM_MIN until issue 16)."""


@dataclass(frozen=True)
class IngestSettings:
    """What counts as an article and as clutter (ingest/)."""


@dataclass(frozen=True)
class DedupSettings:
    """Syndicated copies (stories/dedup.py): MinHash-LSH candidates, shingle containment decides."""


@dataclass(frozen=True)
class EmbedSettings:
    """Sentence embeddings (analyze/nlp.py, analyze/embedcache.py)."""


@dataclass(frozen=True)
class EntitySettings:
    """Canonical entities (analyze/entities.py)."""

    min_mentions: int = 2
    """Mentions across the story that a one-word name with no role or expansion needs to be
    listed in a brief: a one-off single word is more often a tagging slip than someone the
    story is about. Higher: shorter, surer lists; lower: more slips listed. Hand-set (2eabd61)."""


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
    """The cited extractive summary and key points (report/summarize.py)."""


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

    def digest(self) -> str:
        """A hash of every value: part of the brief cache key."""
        text = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


DEFAULT_SETTINGS = Settings()
