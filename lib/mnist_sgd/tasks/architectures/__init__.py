"""Task 8 (08_architectures, 08_architectures_summary): the first network, wider MLPs and a CNN."""
