"""The worked example of syllabus 2, every number to 4 decimals, and the 661 count of syllabus 10."""
import numpy as np
import pytest

from dlcourse import models, twobranch
from dlcourse.gradcheck import numerical_gradient, rel_error

FORWARD = {
    "pre1": [1, 2], "l1": [1, 2], "l21": [3, 0, 1], "l22": [0.5, 0.5, 0.5], "z": [3, 0.5, 1],
    "y_hat": [0.8214, 0.0674, 0.1112],
}
BACKWARD = {
    "z": [0.8214, -0.9326, 0.1112],
    "W22": [[0, 0], [-0.2331, -0.4663], [0, 0]],
    "W21": [[0.8214, 1.6428], [0, 0], [0.1112, 0.2223]],
    "l1": [-0.2223, 1.3989],
    "W1": [[-0.2223, -0.4447, -0.6670, -0.2223], [1.3989, 2.7977, 4.1966, 1.3989]],
}


def _run():
    values, cache = twobranch.forward(**twobranch.EXAMPLE)
    return values, twobranch.backward(cache)


@pytest.mark.parametrize("name", FORWARD)
def test_forward_values(name):
    values, _ = _run()
    np.testing.assert_allclose(values[name][0], FORWARD[name], atol=5e-5)


def test_loss():
    values, _ = _run()
    assert round(values["L"], 4) == 2.6967


@pytest.mark.parametrize("name", BACKWARD)
def test_backward_values(name):
    _, grads = _run()
    got = grads[name][0] if name in ("z", "l1") else grads[name]
    np.testing.assert_allclose(got, BACKWARD[name], atol=5e-5)


def test_tie_goes_to_first_branch_in_the_example():
    """l21 = 0 < l22 = 0.5 in row 2, so dL/dl21 is zero there and dL/dl22 carries dL/dz."""
    _, grads = _run()
    assert grads["l21"][0, 1] == 0
    assert grads["l22"][0, 1] == pytest.approx(-0.9326, abs=5e-5)


@pytest.mark.parametrize("name", ["W1", "W21", "W22"])
def test_gradients_against_finite_differences_on_random_batches(name, rng):
    ex = {"x": rng.standard_normal((5, 4)), "y": rng.integers(0, 3, 5),
          "W1": rng.standard_normal((2, 4)), "W21": rng.standard_normal((3, 2)), "W22": rng.standard_normal((3, 2))}
    _, cache = twobranch.forward(**ex)
    grads = twobranch.backward(cache)
    num = numerical_gradient(lambda W: twobranch.forward(**{**ex, name: W})[0]["L"], ex[name])
    assert rel_error(grads[name], num) < 1e-6


def test_parameter_count_661():
    sizes = [20, 10, 10, 10, 10, 10, 1]
    assert models.mlp_param_count(sizes) == 661
    assert models.mlp(sizes).num_params() == 661
