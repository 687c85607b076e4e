"""The figure of chapter 2: the two-branch network's graph, each node with its forward value and
its gradient from dlcourse.twobranch."""
from __future__ import annotations

import numpy as np
from matplotlib.text import Annotation

from dlcourse import twobranch
from dlcourse.figures import backprop


def test_every_node_shows_the_value_and_gradient_that_twobranch_computes():
    fig = backprop.two_branch_graph()
    (ax,) = fig.axes
    texts = {t.get_gid(): t.get_text() for t in ax.texts if not isinstance(t, Annotation)}
    assert set(texts) == set(backprop.NODES)
    values, cache = twobranch.forward(**twobranch.EXAMPLE)
    grads = twobranch.backward(cache)
    expected = {
        "l1": (values["l1"], grads["l1"]), "l21": (values["l21"], grads["l21"]),
        "l22": (values["l22"], grads["l22"]), "z": (values["z"], grads["z"]),
    }
    for name, (value, grad) in expected.items():
        title, value_line, grad_line = texts[name].split("\n")
        assert title == backprop.NODES[name][1]
        assert value_line == backprop.vector_text(np.squeeze(value))
        assert grad_line == "grad " + backprop.vector_text(np.squeeze(grad))
    assert texts["y_hat"].split("\n")[1] == "(0.8214, 0.0674, 0.1112)"
    assert texts["L"].split("\n")[1] == "2.6967"
    assert texts["W1"] == "W1"  # weights carry no numbers in the graph


def test_one_arrow_per_dependency_between_the_right_boxes():
    fig = backprop.two_branch_graph()
    (ax,) = fig.axes
    arrows = [c for c in ax.get_children() if isinstance(c, Annotation) and c.get_gid() == "edge"]
    assert len(arrows) == len(backprop.EDGES) == 13
    ends = {(a.anncoords.get_gid(), a.xycoords.get_gid()) for a in arrows}
    assert ends == set(backprop.EDGES)
    assert {child for _, child in backprop.EDGES if _ == "l1"} == {"a21", "a22"}  # two children


def test_the_pre_activation_gradients_follow_the_chain_rule():
    table = backprop.graph_values()
    a21, da21 = table["a21"]
    _, dl21 = table["l21"]
    assert np.array_equal(da21, dl21 * (a21 > 0))
    l22, dl22 = table["l22"]
    assert np.allclose(table["a22"][1], dl22 * l22 * (1 - l22))
    W21, W22 = twobranch.EXAMPLE["W21"], twobranch.EXAMPLE["W22"]
    assert np.allclose(table["l1"][1], W21.T @ da21 + W22.T @ table["a22"][1])
    assert np.allclose(table["l1"][1], [-0.2223, 1.3989], atol=5e-5)


def test_vector_text_rounds_and_drops_negative_zero():
    assert backprop.vector_text(np.array([0.82139, -0.0, 3.0])) == "(0.8214, 0, 3)"
    assert backprop.vector_text(np.array(2.69671)) == "2.6967"
