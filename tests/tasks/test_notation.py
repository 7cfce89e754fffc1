"""Small numbers as a student writes them."""

from mnist_sgd.tasks.notation import scientific


def test_small_numbers_go_to_powers_of_ten_and_larger_ones_stay_decimals():
    assert scientific(0.01 / 128) == "7.81 × 10⁻⁵" and scientific(0.0215) == "0.0215" and scientific(0.125) == "0.125"
    assert scientific(0.000464) == "4.64 × 10⁻⁴"
    assert scientific(9.9996e-5) == "1 × 10⁻⁴"  # rounds up into the next power, not '10 × 10⁻⁵'
