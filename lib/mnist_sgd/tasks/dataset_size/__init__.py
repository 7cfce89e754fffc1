"""Task 5 (05_dataset_size, 05_dataset_size_summary): training on subsets of the training set."""
