"""Real-browser tests: JupyterLab in headless Chromium (see test_jupyterlab.py)."""
