"""Chapter 12's figure draws what the theory page says it draws."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse.figures import real_networks


def test_committee_scores_combine_as_the_committee_experiment_does():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(10), size=(5, 40))  # (members, examples, classes)
    votes = np.apply_along_axis(np.bincount, 0, P.argmax(2), minlength=10)  # as committee.run counts them
    assert np.array_equal(real_networks.committee_scores(P, "majority vote").argmax(-1), votes.argmax(0))
    assert np.allclose(real_networks.committee_scores(P, "mean"), P.mean(0))
    assert np.allclose(real_networks.committee_scores(P, "median"), np.median(P, 0))
    with pytest.raises(ValueError, match="rule"):
        real_networks.committee_scores(P, "max")


def test_the_example_has_one_confident_wrong_member_that_flips_only_the_mean():
    members = real_networks.EXAMPLE_MEMBERS
    assert np.allclose(members.sum(axis=1), 1)
    assert (members.argmax(axis=1) != 0).sum() == 1
    predicted = {rule: real_networks.committee_scores(members, rule).argmax() for rule in real_networks.RULES}
    assert predicted == {"majority vote": 0, "mean": 1, "median": 0}


def test_committee_figure_draws_every_member_and_every_rule_and_marks_each_choice():
    fig = real_networks.committee_rules()
    left, right = fig.axes
    members = real_networks.EXAMPLE_MEMBERS
    assert sorted(p.get_height() for p in left.patches) == sorted(members.ravel())
    for rule in real_networks.RULES:
        scores = real_networks.committee_scores(members, rule)
        bars = [p for p in right.patches if p.get_gid().startswith(f"{rule}:")]
        assert np.allclose([p.get_height() for p in bars], scores)
        outlined = [i for i, p in enumerate(bars) if p.get_edgecolor()[3] > 0]
        assert outlined == [scores.argmax()]
    verdicts = [t.get_text() for t in right.texts if t.get_gid() == "verdict"]
    assert verdicts == ["right", "wrong", "right"]
