"""Each experiment end to end on CI-sized settings, seeded, asserting its qualitative claim.
The ones that train for more than a few seconds are in the slow tier."""
import numpy as np
import pytest

from dlcourse.experiments import committee, gradient_noise, lr_sweep, mnist1d, optimizers


@pytest.mark.parametrize("backend", ["numpy", "tf"])
def test_lr_sweep_larger_stable_rates_learn_faster(backend):
    res = lr_sweep.run((0.001, 0.01, 0.1), epochs=6, backend=backend)
    final = [res[lr].accuracy[-1] for lr in (0.001, 0.01, 0.1)]
    assert final[0] < final[1] < final[2]
    assert all(len(h.loss) == len(h.test_accuracy) == 6 for h in res.values())
    fig = lr_sweep.plot(res)
    assert len(fig.axes) == 3
    assert all(len(ax.lines) == 3 for ax in fig.axes)


@pytest.mark.slow
def test_optimizer_comparison_reproduces_the_seed_table_in_shape():
    rows = {r.name: r.final_test_accuracy for r in optimizers.run(epochs=6)}
    sgd, adam, big, bn = (rows[n] for n in optimizers.SETTINGS)
    assert adam > sgd + 0.05  # Adam beats SGD at a small rate
    assert big < 0.3  # the too-large rate fails (chance is 0.1)
    assert bn > sgd
    table = optimizers.table(optimizers.run(epochs=1))
    assert table.count("\n") == 1 + len(optimizers.SETTINGS)
    assert "gap to best" in table


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
def test_committee_beats_its_best_member():
    acc = committee.run()
    best_member = max(v for k, v in acc.items() if k.startswith("member"))
    assert acc["committee: mean"] > best_member
    assert acc["committee: majority vote"] >= best_member


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
