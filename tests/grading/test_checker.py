"""The checker students receive and the grader shares (``dlcourse.grading.checker``): arrays
encoded and decoded bit for bit and bounded, comparisons that name what is wrong without the
expected value, and the properties graded by what the weights compute."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dlcourse.grading import checker


@pytest.mark.parametrize("value", [np.array([1 + 0j, 2 + 0j]), np.longdouble(2.5), [1, 2], True, np.float32(0.5)])
def test_real_values_of_any_numeric_type_are_accepted(value):
    assert checker.as_real(value).dtype == np.float64


@pytest.mark.parametrize("value", [np.array([1 + 1j]), "text", None, np.array([{}])])
def test_values_that_are_not_real_numbers_are_refused(value):
    with pytest.raises(ValueError):
        checker.as_real(value)


def test_a_decoded_array_is_bounded_before_its_data_is_read():
    huge = {"dtype": "<f8", "shape": [1 << 40], "data": "AAAA"}
    with pytest.raises(ValueError, match="more than the 12"):
        checker.decode(huge, max_elements=12)
    assert checker.decode(checker.encode(np.arange(6.0).reshape(2, 3))).shape == (2, 3)


def test_the_comparison_names_the_worst_entry_but_no_expected_value():
    got = {"dx": np.array([1.0, 2.0, 3.5])}
    expected = {"dx": np.array([1.0, 2.0, 3.0])}
    [message] = checker.compare(got, expected, rtol=1e-6, atol=1e-8)
    assert "1 of 3 entries differ" in message
    assert "index (2,)" in message
    assert "3.0" not in message.replace("3.5", "")


@pytest.mark.parametrize("value", [np.arange(6.0).reshape(2, 3), np.float32([0.1, -2.5]), np.int64(7),
                                   np.array([True, False]), np.zeros((0, 3))])
def test_encode_then_decode_gives_the_same_array_bit_for_bit(value):
    back = checker.decode(json.loads(json.dumps(checker.encode(value))))
    assert back.dtype == np.asarray(value).dtype
    assert back.shape == np.shape(value)
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("encoded,problem", [
    ({"dtype": "|O", "shape": [1], "data": ""}, "not numeric"),
    ({"dtype": "<c16", "shape": [1], "data": "A" * 24}, "not numeric"),
    ({"dtype": "<f8", "shape": [-1], "data": ""}, "not a valid array shape"),
    ({"dtype": "<f8", "shape": [3], "data": "AAAAAAAAAAA="}, "does not hold 3 entries"),
])
def test_decode_refuses_what_is_not_a_numeric_array_of_its_shape(encoded, problem):
    with pytest.raises(ValueError, match=problem):
        checker.decode(encoded)


def test_the_comparison_agrees_within_the_tolerance_and_not_beyond():
    expected = {"y": np.array([1.0, 100.0])}
    assert checker.compare({"y": np.array([1.0, 100.0 + 9e-5])}, expected, rtol=1e-6, atol=0) == []
    [message] = checker.compare({"y": np.array([1.0, 100.0 + 2e-4])}, expected, rtol=1e-6, atol=0)
    assert "output y: 1 of 2 entries differ" in message


@pytest.mark.parametrize("got,problem", [
    ({}, "output y is missing"),
    ({"y": np.zeros(3)}, "output y has shape (3,), expected (2,)"),
    ({"y": np.array([np.nan, np.inf])}, "output y contains 2 NaN or infinite entries"),
])
def test_the_comparison_says_what_is_wrong_with_an_output(got, problem):
    assert checker.compare(got, {"y": np.zeros(2)}, rtol=1e-6, atol=1e-8) == [problem]


def test_a_return_value_of_the_wrong_arity_is_refused_with_the_names_expected():
    assert set(checker.as_outputs((1.0, 2.0), ("a", "b"), "f")) == {"a", "b"}
    assert set(checker.as_outputs(3.0, ("a",), "f")) == {"a"}
    with pytest.raises(ValueError, match=r"f must return 2 value\(s\) \(a, b\), it returned 1"):
        checker.as_outputs(1.0, ("a", "b"), "f")


def test_the_relu_max_property_accepts_a_true_construction_and_names_a_point_where_a_false_one_fails():
    x = np.random.default_rng(0).standard_normal((50, 2))
    # max(a, b) = relu(a - b) + relu(b) - relu(-b)
    W1 = np.array([[1.0, -1.0], [0.0, 1.0], [0.0, -1.0]])
    assert checker.relu_network_equals_max({"x": x}, {"W1": W1, "w2": np.array([1.0, 1.0, -1.0])}) == []
    [message] = checker.relu_network_equals_max({"x": x}, {"W1": W1, "w2": np.array([1.0, 1.0, 1.0])})
    assert "differs from max(x1, x2)" in message
    [shape] = checker.relu_network_equals_max({"x": x}, {"W1": np.ones((3, 3)), "w2": np.ones(3)})
    assert "W1 must be (hidden, 2)" in shape
