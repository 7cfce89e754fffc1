"""Task 3 and 4 (03_batch_size, 04_batch_size_summary): the learning rate and ITR per batch size, and the comparison across them."""
