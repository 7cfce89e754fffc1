"""MNIST's size, in one place: the profiles' bounds, the loader's checks and the sentences
that tell a quick look from the whole training set all read it here."""

TRAIN_IMAGES = 60000  # images of the canonical training set (the test set has 10,000)
