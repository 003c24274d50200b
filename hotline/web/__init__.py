"""The Hotline site (Django): public pages and checkers, report intake, the partner API.

The web side calls the engine (`hotline.detect`); the engine never imports anything from here.
"""
