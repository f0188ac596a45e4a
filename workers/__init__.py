"""Dramatiq actors: thin wrappers that call warren's engines. Imports point here → warren."""
