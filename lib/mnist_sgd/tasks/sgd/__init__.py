"""Task 2 (02_sgd): the hand-written SGD, its reference optimum and checks."""
