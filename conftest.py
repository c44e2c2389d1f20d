# The notebooks' paired .py files (Jupytext percent format) are chapters, not test
# modules: nbval runs the .ipynb twins instead.
collect_ignore_glob = ["notebooks/*.py", "handin/__main__.py"]
