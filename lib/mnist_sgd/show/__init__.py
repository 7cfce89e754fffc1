"""Presentation shared by the tasks: figures, number formatting, shared sentences, provenance, hand-made references."""
