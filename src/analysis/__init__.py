"""Hải Dương in the provincial Digital Transformation Index (DTI): data, comparisons, charts, briefs."""
