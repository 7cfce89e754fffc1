import pandas as pd

from mnist_sgd.tasks.summary.step_times import same_step_micros


def test_the_same_step_is_gathered_from_each_job_that_takes_it():
    batch = pd.DataFrame(
        {
            "batch_size": [100, 100, 10, 100],
            "iterations": [5000] * 4,
            "train_seconds": [0.625, 0.65, 0.1, 9.0],
            "diverged": [False, False, False, True],  # a diverged run stopped early: its time is no step's
        }
    )
    sizes = pd.DataFrame(
        {
            "dataset_size": [60000, 500],  # a subset's rows gather from another array: not the same step
            "batch_size": [100, 100],
            "iterations": [30000, 30000],
            "train_seconds": [4.8, 3.0],
        }
    )
    framework = pd.DataFrame(
        {
            "implementation": ["hand-written", "PyTorch DataLoader"],
            "batch_size": [100, 100],
            "iterations": [3000, 3000],
            "train_seconds": [0.42, 3.0],
        }
    )
    found = same_step_micros(batch, sizes, framework)
    assert found["task"].tolist() == ["Task 3", "Task 3", "Task 5", "Task 6"]
    assert found["micros"].round(1).tolist() == [125.0, 130.0, 160.0, 140.0]
    assert same_step_micros(None, sizes, None)["task"].tolist() == ["Task 5"]
    assert same_step_micros(None, None, None).empty
