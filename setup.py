# Everything is in pyproject.toml. This file exists for scrapyd-deploy, which builds the egg with
# `python setup.py bdist_egg` and writes a setup.py of its own into the project root when there is none.
from setuptools import setup

setup()
