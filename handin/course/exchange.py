"""nbgrader's exchange with each student's work private to the student and the grader.

nbgrader's default exchange hides a submission by its name alone: the folder it writes in
``inbound/`` is ``0777`` with ``0644`` files, and a released feedback file is ``0644``;
another student who learns the name can read (and, for the submission, change) it. On a
hub where the grader runs as root (the sandbox needs it: docs/jupyterhub.md), nothing else
needs to read them, so:

- :class:`PrivateSubmit` (in every student's config, ``c.ExchangeFactory.submit``) leaves
  the submission ``0700``/``0600``: the student's alone, and root's, who collects it;
- :class:`PrivateReleaseFeedback` (in the course's config,
  ``c.ExchangeFactory.release_feedback``) gives each feedback file to its student
  (``chown``, ``0600``) when it runs as root and the student id is a user of this machine;
  otherwise it leaves nbgrader's modes and says so in the log.
"""

from __future__ import annotations

import glob
import os
import pwd

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit

__all__ = ["PrivateSubmit", "PrivateReleaseFeedback"]


def _private(path, uid=None):
    """``path`` (a folder, walked, or a file) owner-only: folders 0700, files 0600."""
    walk = os.walk(path) if os.path.isdir(path) else [(os.path.dirname(path), [], [path])]
    for folder, _, files in walk:
        for name in files:
            f = os.path.join(folder, name)
            if uid is not None:
                os.chown(f, uid, -1)
            os.chmod(f, 0o600)
        if os.path.isdir(path):
            if uid is not None:
                os.chown(folder, uid, -1)
            os.chmod(folder, 0o700)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, the submission in ``inbound/`` readable by its student alone (and
    root, who collects it)."""

    def copy_files(self):
        super().copy_files()
        _private(os.path.join(self.inbound_path, self.assignment_filename))


class PrivateReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's release_feedback; as root, each feedback file its student's alone."""

    def copy_files(self):
        before = set(glob.glob(os.path.join(self.dest_path, "*.html")))
        mtimes = {f: os.stat(f).st_mtime_ns for f in before}
        super().copy_files()
        if os.geteuid() != 0:
            self.log.warning("release_feedback not run as root: feedback files keep "
                             "nbgrader's modes (0644)")
            return
        owners = self._owners()
        for f in glob.glob(os.path.join(self.dest_path, "*.html")):
            if f in before and os.stat(f).st_mtime_ns == mtimes[f]:
                continue
            student = owners.get(os.path.basename(f))
            try:
                uid = pwd.getpwnam(student).pw_uid if student else None
            except KeyError:
                uid = None
            if uid is None:
                self.log.warning("feedback %s: no user %r here; left 0644", f, student)
                continue
            _private(f, uid)

    def _owners(self):
        """``{feedback file name: student id}`` for the feedback of this assignment."""
        from nbgrader.utils import notebook_hash

        owners = {}
        pattern = self.coursedir.format_path(self.coursedir.feedback_directory, "*",
                                             self.coursedir.assignment_id)
        for folder in glob.glob(pattern):
            student = os.path.basename(os.path.dirname(folder))
            secret_file = os.path.join(folder, "submission_secret.txt")
            if not os.path.isfile(secret_file):
                continue
            with open(secret_file) as fh:
                secret = fh.read()
            for html in glob.glob(os.path.join(folder, "*.html")):
                notebook_id = os.path.splitext(os.path.basename(html))[0]
                owners[f"{notebook_hash(secret=secret, notebook_id=notebook_id)}.html"] = student
        return owners
