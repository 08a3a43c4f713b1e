"""Classifier.* and ConfusionMatrix.*: training and applying classifiers (classifiers.py), error matrices and
their accuracy measures (confusion.py)."""
