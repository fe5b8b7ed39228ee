"""The classifier's evidence found back in the writer's own text (issue 17, item 6)."""

from appealdesk.policy.highlight import marked
from appealdesk.policy.textmodel import MAX_CHARS


def marks(text, terms):
    return [run for run, is_mark in marked(text, terms) if is_mark]


def test_runs_put_the_text_back_together_exactly():
    text = "You DENIED payment of my claim, for the MRI.\n Thanks"
    runs = marked(text, ["denied", "claim", "mri"])
    assert "".join(run for run, _ in runs) == text
    assert marks(text, ["denied", "claim", "mri"]) == ["DENIED", "claim", "MRI"]


def test_case_accents_and_every_occurrence():
    text = "Pago denegado. La resonancia magnetica y la magnética; PAGO otra vez"
    assert marks(text, ["pago", "magnetica"]) == ["Pago", "magnetica", "magnética", "PAGO"]


def test_a_pair_or_phrase_is_marked_only_where_its_words_follow_each_other():
    text = "denied the payment, then payment denied"
    assert marks(text, ["payment denied"]) == ["payment denied"]
    assert marks("you denied payment", ["denied payment", "payment"]) == ["denied payment"]


def test_whole_words_only_and_neighbours_one_space_apart_join():
    assert marks("repayment of pay", ["pay"]) == ["pay"]
    assert marks("denied payment", ["denied", "payment"]) == ["denied payment"]
    assert marks("denied, payment", ["denied", "payment"]) == ["denied", "payment"]


def test_nothing_to_mark():
    assert marked("", ["x"]) == []
    assert marked("some text", []) == [("some text", False)]
    assert marked("some text", ["", "  ", "0000"]) == [("some text", False)]
    assert marks("some text", ["absent"]) == []


def test_only_what_the_classifier_read_is_searched():
    text = "x " * (MAX_CHARS // 2) + "claim"
    runs = marked(text, ["claim"])
    assert not any(is_mark for _, is_mark in runs)
    assert "".join(run for run, _ in runs) == text
