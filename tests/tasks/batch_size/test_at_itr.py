import math

import pandas as pd

from mnist_sgd.tasks.batch_size.at_itr import at_itr_text


def itr(**changes) -> pd.DataFrame:
    """Task 3's ITR per batch size as the report's full build gave it."""
    base = {
        "batch_size": [1, 10, 100, 1000],
        "settled_t": [114_993.0, 17_779.0, 1_338.0, 740.0],
        "settled_t_sd": [8_679.0, 2_305.0, 71.0, 91.0],
        "settled_seconds": [2.28, 0.635, 0.213, 1.04],
        "settled_seconds_sd": [0.57, 0.112, 0.017, 0.13],
    }
    return pd.DataFrame({**base, **changes})


def test_the_verdicts_are_read_again_at_itr():
    # samples 115,000 ± 8,700 at B = 1 and 134,000 ± 7,100 at B = 100: within 2√(8,679² + 7,100²) = 22,400 of
    # each other; B = 10's 178,000 ± 23,000 beyond. B = 10 took (0.635 − 0.112) / (0.213 + 0.017) = 2.3× B = 100's
    # time even with one s.d. each way: beyond the load's 2×
    assert at_itr_text(itr()) == (
        "**Read at ITR** (Task 3's table) instead of the first crossing: B = 1 and 100 tie for the fewest samples "
        "(from 115,000 ± 9,000 samples); B = 100 trains fastest, the others 3.0× as long or more, beyond the "
        "machine's load."
    ).replace(" ± ", "\u00a0±\u00a0")
    alone = at_itr_text(itr(settled_t_sd=[100.0, 100.0, 10.0, 10.0]))
    assert "B = 1 alone needs the fewest samples" in alone
    close = at_itr_text(itr(settled_seconds=[2.28, 0.3, 0.213, 1.04]))
    assert close.endswith("B = 100 trains fastest, B = 10 within the machine's load of it.")


def test_nothing_is_read_with_fewer_than_two_batch_sizes_at_itr():
    assert at_itr_text(itr(settled_t=[math.nan, math.nan, 1_338.0, math.nan])) == ""
