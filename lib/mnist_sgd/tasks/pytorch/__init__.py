"""Task 6 (06_pytorch): the same model with PyTorch's DataLoader and optimizer."""
