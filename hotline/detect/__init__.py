"""The Hotline engine: chat exports, posts and images in; explainable findings out.

A library: it imports nothing from Django, a database or the network.
"""
