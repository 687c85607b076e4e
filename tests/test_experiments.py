"""Each experiment end to end on CI-sized settings, seeded, asserting its qualitative claim.
The ones that train for more than a few seconds are in the slow tier."""
import numpy as np
import pytest

from dlcourse.data import load_digits
from dlcourse.experiments import committee, gradient_noise, lr_sweep, mnist1d, optimizers, validation


@pytest.mark.parametrize("backend", ["numpy", "tf"])
def test_lr_sweep_larger_stable_rates_learn_faster(backend):
    res = lr_sweep.run((0.001, 0.01, 0.1), epochs=6, backend=backend)
    final = [res[lr].accuracy[-1] for lr in (0.001, 0.01, 0.1)]
    assert final[0] < final[1] < final[2]
    assert all(len(c.loss) == len(c.val_accuracy) == 6 for c in res.values())
    assert validation.best({str(lr): c for lr, c in res.items()}) == "0.1"
    assert 0.5 < res[0.1].test_accuracy <= 1
    fig = lr_sweep.plot(res)
    assert len(fig.axes) == 3
    assert all(len(ax.lines) == 3 for ax in fig.axes)
    assert fig.axes[2].get_title() == "validation accuracy"


def test_the_validation_split_comes_out_of_the_training_part_and_leaves_the_test_set_alone():
    d = validation.digits_split(seed=3)
    Xtr, _, Xte, yte = load_digits(seed=3)
    assert len(d.X_train) + len(d.X_val) == len(Xtr)
    assert np.array_equal(d.X_test, Xte)
    assert np.array_equal(d.y_test, yte)
    rows = {tuple(r) for r in np.r_[d.X_train, d.X_val]}
    assert rows == {tuple(r) for r in Xtr}
    assert not rows & {tuple(r) for r in Xte}
    assert abs(len(d.X_val) / len(Xtr) - validation.VALIDATION_SIZE) < 0.01
    assert validation.accuracy(np.eye(3)[[0, 2, 1]], np.array([0, 2, 2])) == pytest.approx(2 / 3)


@pytest.mark.slow
def test_optimizer_comparison_reproduces_the_seed_table_in_shape_and_the_seeds_rate_trains():
    rows = {r.name: r.final_val_accuracy for r in optimizers.run(epochs=6)}
    sgd, adam, seeds_rate, big, bn = (rows[n] for n in optimizers.SETTINGS)
    assert adam > sgd + 0.05  # Adam beats SGD at a small rate
    assert big < 0.3  # the too-large rate fails (chance is 0.1)
    assert seeds_rate > 0.9  # the seed's failing rate trains at this scale
    assert bn > sgd
    table = optimizers.table(optimizers.run(epochs=1))
    assert table.count("\n") == 1 + len(optimizers.SETTINGS)
    assert "gap to best" in table
    assert "validation accuracy" in table


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["numpy", "tf"])
def test_mnist1d_on_the_papers_data_within_five_points_of_the_paper(backend):
    acc = mnist1d.accuracies(backend)
    res = {name: float(np.mean(runs)) for name, runs in acc.items()}
    for name, paper in mnist1d.PAPER.items():
        assert abs(res[name] - paper) <= 0.05, (name, res[name], paper)
    assert res["logistic regression"] < res["MLP"] < res["CNN"]
    assert all(len(runs) == len(mnist1d.SEEDS) and np.std(runs) > 0 for runs in acc.values())  # distinct runs
    assert f"| CNN | 94% | {mnist1d.summary(acc['CNN'])} |" in mnist1d.table({backend: acc})


def test_mnist1d_summary_shows_mean_spread_and_runs():
    runs = [0.3, 0.32, 0.31]
    assert mnist1d.summary(runs) == f"{100 * np.mean(runs):.1f} ± {100 * np.std(runs, ddof=1):.1f}% (3 runs)"
    assert mnist1d.summary(0.684) == "68.4%"
    assert mnist1d.summary([0.684]) == "68.4% (1 run)"
    table = mnist1d.table({"numpy": {name: runs for name in mnist1d.PAPER}, "tf": dict.fromkeys(mnist1d.PAPER, 0.5)})
    assert table.splitlines()[2] == "| logistic regression | 32% | 31.0 ± 1.0% (3 runs) | 50.0% |"


@pytest.mark.slow
def test_preprocessing_decorrelates_the_committee_s_errors_against_the_seed_only_control():
    study = committee.compare(seeds=(0, 1, 2))
    for pre, control in zip(study["preprocessed"], study["seeds only"]):
        assert pre["error correlation"] < control["error correlation"]
        assert pre["committee: mean"] > pre["mean member"]
    assert len(committee.gain(study["preprocessed"])) == 3
    acc = committee.run()
    assert set(acc) == {f"member: {n}" for n in committee.PREPROCESSING} | {f"committee: {r}" for r in committee.RULES}


def test_error_correlation_is_one_for_identical_members_and_negative_for_disjoint_errors():
    y = np.array([0, 1, 2, 0, 1, 2])
    right = np.eye(3)[y]
    wrong_on_first_half = right.copy()
    wrong_on_first_half[:3] = np.roll(right[:3], 1, axis=1)
    wrong_on_second_half = right.copy()
    wrong_on_second_half[3:] = np.roll(right[3:], 1, axis=1)
    assert committee.error_correlation(np.stack([wrong_on_first_half] * 3), y) == pytest.approx(1.0)
    assert committee.error_correlation(np.stack([wrong_on_first_half, wrong_on_second_half]), y) == pytest.approx(-1.0)
    # a member with no error has no correlation and is left out
    both = np.stack([wrong_on_first_half, wrong_on_first_half, right])
    assert committee.error_correlation(both, y) == pytest.approx(1.0)


def test_committee_rules_and_the_gain_over_the_best_member():
    y = np.array([0, 0, 1])
    P = np.array([[[0.9, 0.1], [0.6, 0.4], [0.4, 0.6]],
                  [[0.6, 0.4], [0.4, 0.6], [0.45, 0.55]],
                  [[0.0, 1.0], [0.55, 0.45], [0.3, 0.7]]])
    pred = committee.predictions(P)
    assert pred["majority vote"].tolist() == [0, 0, 1]
    assert pred["mean"].tolist() == [0, 0, 1]
    assert pred["median"].tolist() == [0, 0, 1]
    s = committee.scores(P, y)
    assert s["best member"] == 1.0
    assert s["mean member"] == pytest.approx(7 / 9)
    assert committee.gain([s], "mean").tolist() == [0.0]


def test_deslant_removes_a_synthetic_slant():
    img = np.zeros((1, 8, 8))
    for y in range(1, 7):
        img[0, y, y] = 1.0  # a stroke leaning right by 1 pixel per row
    out = committee.deslant(img)[0]
    cols = [(out[y] * np.arange(8)).sum() / out[y].sum() for y in range(2, 6)]
    assert np.ptp(cols) < 0.2


def test_gradient_noise_follows_the_one_over_b_law():
    res = gradient_noise.run(n_draws=100)
    ratio = res["measured"] / res["law"]
    assert np.all((ratio > 0.75) & (ratio < 1.33)), ratio
    slope = np.polyfit(np.log(res["batch_size"][:6]), np.log(res["measured"][:6]), 1)[0]
    assert -1.15 < slope < -0.85
    assert len(gradient_noise.plot(res).axes[0].lines) == 3
