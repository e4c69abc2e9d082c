"""Shared text analysis (Chinese segmentation, pinyin, typo detection)."""
