"""What the assembly, the web page and the PDF agree on: the report's title and the cell tags they read."""

TITLE = "Minibatch SGD on MNIST: a reproducible report"
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove"}
HTML_ONLY_TAG = "html-only"
SHOW_CODE_TAG = "show-code"  # a code cell whose source belongs in the report (and PDF)
