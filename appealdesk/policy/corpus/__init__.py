"""The labelled request corpus of the request classifier (see README.md)."""
