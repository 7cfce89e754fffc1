"""Task 1 (01_data): the files, tensors and class counts."""
