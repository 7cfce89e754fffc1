"""The PDF's Markdown says what the notebooks say: a starred symbol is not taken for emphasis."""

from __future__ import annotations

from mnist_sgd.stitch.pdf import literal_stars


def test_a_starred_symbol_keeps_its_star_and_emphasis_stays_emphasis():
    assert literal_stars("above L*, well below (L* = 0) past m*. and η*(B)") == (
        "above L\\*, well below (L\\* = 0) past m\\*. and η\\*(B)"
    )
    for untouched in ("*An Empirical Model*, 2018", "**B = 10.** the rest", "*a* word", "**Figure 3.** x"):
        assert literal_stars(untouched) == untouched


def test_code_and_math_keep_their_stars():
    assert literal_stars("$L^*$, `m*x` and W* = 1") == "$L^*$, `m*x` and W\\* = 1"
    assert literal_stars("```\nm*x\n```\nL*,") == "```\nm*x\n```\nL\\*,"
