"""The day an article's lead reports its event on (stories/features.event_day, issue 18): a site
notice's schedule is not the event's day, a caption's day is. The texts are invented."""
from __future__ import annotations

from datetime import date

from storyline.model import PartialDate
from storyline.stories.features import EPOCH, event_day

PUBLISHED = PartialDate.from_date(date(2024, 3, 5))  # a Tuesday


def day_of(when: date) -> float:
    return float((when - EPOCH).days)


BODY = " ".join(["The organisers said the new format would be kept for next year's finals as well."] * 12)

RESULTS = f"""Harbor Open Finals Venue: Lind Arena Dates: 4-10 March Coverage: listen live from Thursday, 7 March; click here for the full guide.

Holders Norland lost all three rubbers to Ostra on Monday, the opening day of the reworked finals in Harbor.

{BODY}"""

CAPTIONED = f"""Norland's Ada Kerr serves during the match against Ostra in Harbor on Monday. Photo: Lind Photo Agency

Holders Norland lost all three rubbers to Ostra, the opening day of the reworked finals in Harbor.

{BODY}"""


def test_a_site_notice_does_not_give_the_event_its_day():
    # Without the notice, the first day named is the results' Monday.
    assert event_day("", RESULTS, PUBLISHED) == day_of(date(2024, 3, 4))


def test_a_caption_still_dates_the_event():
    assert event_day("", CAPTIONED, PUBLISHED) == day_of(date(2024, 3, 4))


# -- a story that spans several reported days (stories/online.other_day) ---------------------

MON, TUE, WED, THU = (day_of(date(2024, 3, d)) for d in (4, 5, 6, 7))


def test_reported_days_lie_apart_only_outside_each_others_span():
    from storyline.stories.online import other_day

    assert other_day({MON}, {TUE})  # two hearings on consecutive days
    assert not other_day({TUE}, {MON, WED})  # a tournament reported on Monday and Wednesday
    assert other_day({MON, TUE}, {WED, THU})
    assert not other_day({MON, WED}, {TUE, THU})
    assert not other_day(set(), {MON}) and not other_day({MON}, set())


def test_a_day_inside_a_storys_span_of_days_is_not_another_days_event():
    """Same words, leads that say different things (the same-event score under the other-day bar):
    an article reporting Tuesday is kept from a story of Monday alone, and joins a story whose
    articles report Monday and Wednesday, whose event spans Tuesday."""
    import numpy as np

    from storyline.settings import ClusterConfig
    from storyline.stories.features import ArticleFeatures
    from storyline.stories.online import OnlineClusterer, Story

    def features(name: str, axis: int, day: float) -> ArticleFeatures:
        v = np.zeros(384, dtype=np.float32)
        v[axis] = 1.0
        terms = {"cup": 0.5, "finals": 0.5, f"{name}1": 0.5, f"{name}2": 0.5}
        return ArticleFeatures(name, TUE, v, terms, {"name:harbor open": 1.0}, day=day)

    config = ClusterConfig()
    clusterer = OnlineClusterer(config, str)
    monday, spanning = Story("mon", np.zeros(384, dtype=np.float32)), Story("span", np.zeros(384, dtype=np.float32))
    monday.add(features("opening", 0, MON))
    spanning.add(features("opening", 0, MON))
    spanning.add(features("quarters", 1, WED))
    tuesday = features("groups", 2, TUE)
    assert clusterer.event_score(0.0, 0.5) < config.event_other_day  # the leads differ
    assert clusterer.event_score(0.0, 1 / 3 ** 0.5) < config.event_other_day  # also with the spanning story
    assert clusterer.similarity(tuesday, monday) == 0.0
    assert clusterer.similarity(tuesday, spanning) >= config.threshold
