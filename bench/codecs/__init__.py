"""Modality codecs: the one encoding of each input modality that tasks, baselines and FMs share.

``sfmbench.codecs.dna``: DNA strings <-> one-hot ``(N, 5, L)`` uint8 in A, C, G, T, N order.
``sfmbench.codecs.bands``: multispectral band names and which may stand in for which.
"""
