"""Build helpers for build.spec (the PyInstaller bundles); never imported by Precis itself."""
