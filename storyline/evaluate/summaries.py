"""`storyline eval summaries`: storyline's brief summary against human
references and against standard extractive baselines, on the same input.

Input: JSON lines, one story per line, in the Multi-News format of
../shared/corpus/multinews (``{"id", "articles": [{"id", "text"}], "summaries": [...]}``).

Every system sees the same cleaned articles (storyline's ingest) and the
same sentence units, and every summary is cut to the same number of words
(the reference's, or --words), so the scores differ only by which sentences
each system picks:

- storyline: the summary of the brief ``storyline.pipeline.Pipeline``
  makes of the story's articles (copies analysed once, quote speakers
  named), exactly what ``storyline brief`` prints for them;
- lead: the leading sentences of the earliest article (the data carry no
  dates, so the first listed);
- LexRank and TextRank: sumy's implementations over all sources'
  sentences, with our own word tokenizer (sumy's default needs NLTK data
  that cannot be downloaded here) and sumy's bundled English stop words.

ROUGE-1/2/L F1 come from the ``rouge-score`` package with the Porter
stemmer (best over the references when a story has several).

For storyline's summary two more figures:

- citation correctness: the share of summary sentences all of whose
  citations point at a real source sentence (offsets match the stored text)
  that supports the summary sentence. A cited sentence supports it when it
  contains the summary sentence's text (the extracted sentence itself), or
  when it restates it: MiniLM cosine >= SUPPORT_COSINE *and* at least
  SUPPORT_OVERLAP of the summary sentence's content words (stemmed, stop
  words out) occur in it. The lexical half keeps the check from merely
  repeating the embedding test the summarizer used to pick its citations.
- redundancy: the largest cosine between two summary sentences (MiniLM,
  the vectors of the source sentences they were extracted from);
  a story counts as redundant when it reaches REDUNDANT_COSINE (two
  sentences stating the same fact);
- embedded: how many sentences the whole brief had MiniLM embed (its
  embedding cost on a cold cache), per article on average;
- fill: storyline's words before the cut to the budget, per word of budget
  (below 1 the summary leaves budget unused and loses recall).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

import numpy as np

from ..analyze import nlp
from ..analyze.embedcache import SentenceVectors, text_vectors
from ..model import Article, CitedText
from ..pipeline import Story

METRICS = ("rouge1", "rouge2", "rougeL")
SYSTEMS = ("storyline", "lead", "lexrank", "textrank")
SUPPORT_COSINE = 0.6
SUPPORT_OVERLAP = 0.5
REDUNDANT_COSINE = 0.8
WORD = re.compile(r"\w+(?:['’]\w+)*")


@dataclass
class Labelled:
    """A story of the evaluation file: its articles and the human summaries."""

    id: str
    articles: list[Article]
    references: list[str]


def read_stories(path: str | Path, limit: int | None = None) -> list[Labelled]:
    """Stories of a Multi-News-format JSONL file (one story per line), articles built by
    storyline's ingest with the fields each record gives (title, published, outlet, url)."""
    stories = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            articles = [_article(a, f"{record['id']}-{i}") for i, a in enumerate(record["articles"])]
            stories.append(Labelled(record["id"], [a for a in articles if a.sentences], list(record["summaries"])))
            if limit and len(stories) >= limit:
                break
    return stories


def _article(fields: dict, default_source: str) -> Article:
    from ..ingest import RawArticle, build_article
    from ..ingest.record import apply_fields

    source = fields.get("id", default_source)
    raw = RawArticle(source=source, text=fields["text"], headline_in_text=False)
    apply_fields(raw, {k: v for k, v in fields.items() if k not in ("id", "text")}, source, keep_text=True)
    return build_article(raw)


def cut_words(text: str, words: int) -> str:
    """The first `words` whitespace-separated words of text."""
    return " ".join(text.split()[:words])


def lead_summary(articles: list[Article], words: int) -> str:
    """The leading sentences of the earliest article, up to the word budget."""
    if not articles:
        return ""
    earliest = min(articles, key=lambda a: a.published.sort_key())  # stable: first listed on ties
    return cut_words(" ".join(s.text for s in earliest.sentences), words)


class _WordTokenizer:
    """sumy's tokenizer interface without NLTK data: our sentence units come
    from storyline's segmentation, words from a regex."""

    @staticmethod
    def to_sentences(paragraph: str) -> list[str]:
        return [paragraph]

    @staticmethod
    def to_words(sentence: str) -> list[str]:
        return WORD.findall(sentence)


def sumy_summary(articles: list[Article], words: int, method: str) -> str:
    """LexRank or TextRank (sumy) over all sources' sentences, filled to the word budget."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = _WordTokenizer()
    paragraphs = [Paragraph([SumySentence(s.text, tokenizer) for s in a.sentences]) for a in articles if a.sentences]
    if not paragraphs:
        return ""
    summarizer = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def fill_budget(ranked):
        """sumy hands the sentences best first; keep them until the budget is used."""
        taken, used = [], 0
        for info in ranked:
            if used >= words:
                break
            taken.append(info)
            used += len(str(info.sentence).split())
        return taken

    chosen = summarizer(ObjectDocumentModel(paragraphs), fill_budget)
    return cut_words(" ".join(str(s) for s in chosen), words)


def storyline_summary(articles: list[Article], words: int, store=None) -> tuple[list[CitedText], int]:
    """The summary of the brief storyline makes of these articles as one story (the
    pipeline's, copies and previews included), and how many sentences its brief had MiniLM
    embed (its embedding cost on a cold cache)."""
    from ..analyze import embedcache
    from ..pipeline import Pipeline

    pipeline = Pipeline(store=store)
    before = embedcache.counts["embedded"]
    brief = pipeline.brief(Story(None, articles, pipeline.copies(articles)), words=words)
    return brief.summary, embedcache.counts["embedded"] - before


def rouge(candidate: str, references: list[str]) -> dict[str, float]:
    """ROUGE-1/2/L F1 (percent), stemmed, best over the references."""
    scores = _scorer().score_multi(references, candidate)
    return {m: 100.0 * scores[m].fmeasure for m in METRICS}


@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def content_words(text: str) -> set[str]:
    """The text's content words as the summarizer finds them (analyze/nlp.content_words),
    Porter-stemmed: a restatement may say "closes" where the summary says "closed"."""
    stem = _stemmer()
    return {stem(w) for w in nlp.content_words(text)}


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer().stem


def citation_check(summary: list[CitedText], articles: list[Article], store=None) -> tuple[int, int, int, int]:
    """(supported sentences, sentences, supported citations, citations) of a cited summary."""
    by_id = {a.id: a for a in articles}
    own = summary_vectors(summary, articles, store)
    # one batch for the vectors of every sentence the summary cites
    keys = list(dict.fromkeys((c.article_id, c.sentence) for item in summary for c in item.citations
                              if _real(c, by_id)))
    cited = dict(zip(keys, SentenceVectors(articles, store)(keys)))
    good_sentences = good_citations = n_citations = 0
    for item, vector in zip(summary, own):
        all_good = bool(item.citations)
        for c in item.citations:
            n_citations += 1
            supported = _real(c, by_id) and _supports(by_id[c.article_id].text[c.start:c.end], item.text,
                                                      float(vector @ cited[(c.article_id, c.sentence)]))
            good_citations += supported
            all_good = all_good and supported
        good_sentences += all_good
    return good_sentences, len(summary), good_citations, n_citations


def _real(c, by_id: dict[str, Article]) -> bool:
    """The citation points at a sentence of an article at that sentence's offsets."""
    sentence = _cited_sentence(c, by_id)
    return sentence is not None and by_id[c.article_id].text[c.start:c.end] == sentence.text


def _cited_sentence(c, by_id: dict[str, Article]):
    """The sentence a citation names (article id, sentence index), or None."""
    article = by_id.get(c.article_id)
    return article.sentences[c.sentence] if article is not None and 0 <= c.sentence < len(article.sentences) \
        else None


def summary_vectors(summary: list[CitedText], articles: list[Article], store=None) -> np.ndarray:
    """MiniLM vectors of the summary sentences: the vector of the source
    sentence a summary sentence was extracted from (its words within the
    source's, or the source's within its own: a quotation's speaker added),
    else of its own text."""
    by_id = {a.id: a for a in articles}
    texts = []
    for item in summary:
        source = _cited_sentence(item.citations[0], by_id) if item.citations else None
        extracted = source is not None and (_core(item.text) in _core(source.text)
                                            or _core(source.text) in _core(item.text))
        texts.append(source.text if extracted else item.text)
    return text_vectors(texts, store)


def _supports(cited: str, claim: str, cosine: float) -> bool:
    if _core(claim) in _core(cited):
        return True
    words = content_words(claim)
    overlap = len(words & content_words(cited)) / len(words) if words else 0.0
    return cosine >= SUPPORT_COSINE and overlap >= SUPPORT_OVERLAP


def _core(text: str) -> str:
    """Lower-cased words only: a summary sentence whose leading connective the
    summarizer dropped is still found inside its source sentence."""
    return " ".join(WORD.findall(text.lower()))


def redundancy(vectors: np.ndarray) -> float:
    """Largest cosine between two rows of unit vectors; 0 for fewer than two."""
    if len(vectors) < 2:
        return 0.0
    sims = vectors @ vectors.T
    return float(max(sims[i, j] for i, j in combinations(range(len(vectors)), 2)))


def evaluate_story(story: Labelled, words: int | None = None, store=None) -> dict:
    budget = words or round(np.mean([len(r.split()) for r in story.references]))
    cited, embedded = storyline_summary(story.articles, budget, store)
    texts = {
        "storyline": cut_words(" ".join(item.text for item in cited), budget),
        "lead": lead_summary(story.articles, budget),
        "lexrank": sumy_summary(story.articles, budget, "lexrank"),
        "textrank": sumy_summary(story.articles, budget, "textrank"),
    }
    uncut = sum(len(item.text.split()) for item in cited)
    good, n, good_citations, n_citations = citation_check(cited, story.articles, store)
    return {
        "id": story.id,
        "words": budget,
        "summary": [item.text for item in cited],  # storyline's, before the cut to the budget
        "articles": len(story.articles),
        "rouge": {name: rouge(text, story.references) for name, text in texts.items()},
        "summary_words": {name: len(text.split()) for name, text in texts.items()},
        "fill": uncut / budget,
        "citations": {"sentences_supported": good, "sentences": n,
                      "citations_supported": good_citations, "citations": n_citations},
        "redundancy": redundancy(summary_vectors(cited, story.articles, store)),
        "embedded": embedded,
    }


def evaluate_file(path: str | Path, words: int | None = None, limit: int | None = None, store=None) -> dict:
    """Per-story and averaged scores of storyline and the baselines.
    store: a storyline Store whose cache keeps the sentence embeddings between runs."""
    stories = [evaluate_story(s, words, store) for s in read_stories(path, limit)]
    return {"file": str(path), "words": words, "stories": stories, "mean": _means(stories)}


def _means(stories: list[dict]) -> dict:
    if not stories:
        return {}
    mean = {"rouge": {name: {m: float(np.mean([s["rouge"][name][m] for s in stories])) for m in METRICS}
                      for name in SYSTEMS}}
    sentences = sum(s["citations"]["sentences"] for s in stories)
    citations = sum(s["citations"]["citations"] for s in stories)
    mean["citation_correct_sentences"] = (
        sum(s["citations"]["sentences_supported"] for s in stories) / sentences if sentences else None)
    mean["citation_correct_citations"] = (
        sum(s["citations"]["citations_supported"] for s in stories) / citations if citations else None)
    mean["redundancy_mean"] = float(np.mean([s["redundancy"] for s in stories]))
    mean["redundancy_max"] = float(max(s["redundancy"] for s in stories))
    mean["redundant_stories"] = sum(s["redundancy"] >= REDUNDANT_COSINE for s in stories)
    mean["fill_mean"] = float(np.mean([s["fill"] for s in stories]))
    mean["underfilled_stories"] = sum(s["fill"] < 1.0 for s in stories)
    mean["embedded_per_article"] = sum(s["embedded"] for s in stories) / max(1, sum(s["articles"] for s in stories))
    return mean


def format_summary_report(result: dict) -> str:
    """Plain-text table: per story, then the averages."""
    header = f"{'story':<10}{'words':>6}  " + "  ".join(f"{name:>20}" for name in SYSTEMS)
    sub = f"{'':<10}{'':>6}  " + "  ".join(f"{'R-1 / R-2 / R-L':>20}" for _ in SYSTEMS)
    lines = [f"Summaries of {result['file']}: ROUGE F1 (%, stemmed), all systems cut to the same word budget",
             header, sub]
    for s in result["stories"]:
        lines.append(f"{s['id']:<10}{s['words']:>6}  " + "  ".join(_triple(s["rouge"][name]) for name in SYSTEMS))
    mean = result["mean"]
    if not mean:
        return "\n".join(lines + ["(no stories)"])
    lines.append(f"{'mean':<10}{'':>6}  " + "  ".join(_triple(mean["rouge"][name]) for name in SYSTEMS))
    lines.append("")
    n = len(result["stories"])
    lines.append(f"storyline citations: {_pct(mean['citation_correct_sentences'])} of summary sentences fully "
                 f"supported by their citations; {_pct(mean['citation_correct_citations'])} of citations supported")
    lines.append(f"storyline redundancy (max cosine between two summary sentences): mean "
                 f"{mean['redundancy_mean']:.2f}, worst {mean['redundancy_max']:.2f}; "
                 f"{mean['redundant_stories']} of {n} stories at >= {REDUNDANT_COSINE}")
    lines.append(f"storyline embedded {mean['embedded_per_article']:.1f} sentences per article")
    lines.append(f"storyline fill (words before the cut per word of budget): mean {mean['fill_mean']:.2f}; "
                 f"{mean['underfilled_stories']} of {n} stories under budget")
    return "\n".join(lines)


def _triple(scores: dict[str, float]) -> str:
    return f"{scores['rouge1']:5.1f} /{scores['rouge2']:5.1f} /{scores['rougeL']:5.1f}".rjust(20)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
