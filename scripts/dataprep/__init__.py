"""Library behind scripts/prepare_data.py: Debian package access, photo and stamp
selection, composites and contact sheets. Import with scripts/ on sys.path."""
