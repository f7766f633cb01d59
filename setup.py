"""Build of the whole project: the gwr, imagination and clifer packages and the
Cython edge extension of gwr (the metadata is in pyproject.toml)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("gwr._edges", ["gwr/_edges.pyx"])])
