"""A sentence is cited for a claim only if it states the whole claim (samefact.covers), on
invented sentences parsed by the bundled spaCy model."""
import pytest

from storyline.analyze.samefact import covers, meaning_of, states_same_fact


@pytest.fixture(scope="module")
def meaning(nlp):
    return lambda text: meaning_of(nlp(text)[:])


@pytest.mark.parametrize("claim, cited", [
    # one of the claim's two facts
    ("Martin Hale was arrested on Friday and charged with two counts of fraud, police said.",
     "Martin Hale was arrested on Friday, police said."),
    ("The ferry was in automatic mode at the time, with a pilot asleep in the cabin.",
     "Officials said the ferry was in automatic mode at the time of the collision."),
    ("The student collapsed in class last week and died in hospital.",
     "The student was in class last week when he felt dizzy and collapsed at his desk."),
    # the verb is there, but not what the claim says around it
    ("Singer Lena Voss was arrested in northern Ohio on Monday on a charge of driving while drunk.",
     "Lena Voss was arrested in Akron this morning."),
    # another step of the same process, told in the same words (STEPS)
    ("Sheriff Ann Cole said Hale had been arrested for the 1981 murders of a couple in Harwick.",
     "Sheriff Ann Cole said Hale had been charged with the 1981 murders of a couple in Harwick."),
    ("Hale pleaded guilty and was then sentenced to unpaid work for the assault.",
     "Judge Ray Dunn sentenced Hale to 60 hours of unpaid work and a $250 fine for the assault."),
    ("The council approved the plan to close the bridge on Tuesday.",
     "The council proposed the plan to close the bridge on Tuesday."),
])
def test_a_sentence_stating_part_of_the_claim_is_not_cited(meaning, claim, cited):
    assert not covers(meaning(claim), meaning(cited))
    assert not states_same_fact(claim, cited, cited=True, meanings=(meaning(claim), meaning(cited)))


@pytest.mark.parametrize("claim, cited", [
    ("A driverless delivery van struck and killed a cyclist in Harwick on Sunday.",
     "A self-driving delivery van hit and killed a cyclist in Harwick."),
    ("Martin Hale was arrested on Friday, police said.",
     "Police in Harwick said Martin Hale was arrested on Friday and charged with two counts of fraud."),
    ("Martin Hale was charged with fraud on Friday.",
     "Prosecutors said Martin Hale was charged with two counts of fraud on Friday."),
    ("The deal is expected to close later this year.",
     "The deal, worth $3 billion, is expected to close later this year, the companies said."),
])
def test_a_sentence_stating_the_whole_claim_is_cited(meaning, claim, cited):
    assert covers(meaning(claim), meaning(cited))


def test_a_claim_without_a_verb_of_its_own_needs_its_words(meaning):
    caption = meaning("Martin Hale, in custody after his 2019 conviction.")
    assert not caption.clauses
    assert not covers(caption, meaning("A court in Harwick heard the appeal on Tuesday."))
    assert covers(caption, meaning("Martin Hale has been in custody since his conviction in 2019."))


def test_a_denial_beside_an_assertion_of_the_same_verb_is_no_contradiction():
    from storyline.analyze.samefact import contradicts, negation_flip

    assert contradicts("The council did not approve the budget.", "The council approved the budget on Monday.")
    distinction = "The app will not record your calls, but it may still record the numbers you dial."
    other = "The app may record calls and the numbers you dial."
    assert negation_flip(distinction, other)  # still no citation across them
    assert not contradicts(distinction, other)  # but no "sources differ" either


@pytest.mark.parametrize("a, b", [
    # one denial written with a curly apostrophe, with none, after an adverb, before a noun
    ("“We can’t sign that deal,” Mayor Ann Cole said.", "\"We can't sign that deal,\" Mayor Ann Cole said."),
    ("\"I wont accept any offer that does not end the strike,\" Cole said.",
     "\"I won't accept any proposal that will not end the strike,\" Cole said."),
    ("Hale has never been accused of fraud before.", "Hale has not previously been accused of fraud."),
    ("The border quarrel closed with a ceasefire, not a settlement.", "The border quarrel closed with a ceasefire, not settlement."),
])
def test_one_denial_written_two_ways_is_no_negation_flip(a, b):
    from storyline.analyze.samefact import contradicts, negation_flip

    assert not negation_flip(a, b) and not contradicts(a, b)


@pytest.mark.parametrize("denial", ["The mayor didn’t sign the order.", "The mayor didnt sign the order.",
                                    "The mayor has not yet formally signed the order."])
def test_a_denial_however_written_contradicts_the_assertion(denial):
    from storyline.analyze.samefact import contradicts

    assert contradicts(denial, "The mayor signed the order on Friday.")


def test_a_contrast_under_one_verb_is_no_contradiction():
    from storyline.analyze.samefact import contradicts, negation_flip

    contrast = "The shield wouldn't be made of steel or glass, but of millions of small panels."
    plain = "The shield would be made from millions of small panels."
    assert negation_flip(contrast, plain) and not contradicts(contrast, plain)
    ticket = "Carrying a knife could result in a fine but not in a prison term."
    assert not contradicts(ticket, "Carrying a knife would not result in a prison term, officials said.")
