"""The science: the MNIST data, the linear model and the networks, SGD and its criteria, the experiments."""
