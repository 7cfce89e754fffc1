"""Task 7 (07_mlp_grid, 07_mlp_summary): the MLP over a grid of batch sizes and learning rates."""
