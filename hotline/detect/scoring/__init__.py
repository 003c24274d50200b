"""Learned scorers beside the rules: calibrated probabilities over windows of consecutive messages.

Weights are package data (`weights/<signal>.npz` arrays and `weights/<signal>.json` vocabulary and
calibration), read with numpy only; training (`hotline train`, scikit-learn) lives in `training.py`.
"""
