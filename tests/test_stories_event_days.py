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

Norland began the defence of their title with a 3-0 defeat by Ostra on Monday as the new-look tournament got under way in Harbor.

{BODY}"""

CAPTIONED = f"""Norland's Ada Kerr serves during the match against Ostra in Harbor on Monday. Photo: Lind Photo Agency

Norland began the defence of their title with a 3-0 defeat by Ostra as the new-look tournament got under way in Harbor.

{BODY}"""


def test_a_site_notice_does_not_give_the_event_its_day():
    # Without the notice, the first day named is the results' Monday.
    assert event_day("", RESULTS, PUBLISHED) == day_of(date(2024, 3, 4))


def test_a_caption_still_dates_the_event():
    assert event_day("", CAPTIONED, PUBLISHED) == day_of(date(2024, 3, 4))
