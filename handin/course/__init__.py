"""The teaching tools: self-checks with hints, the student edition, the nbgrader course.

Chapters write ``from handin.course import check_backward``; ``write_student_edition``
(``python -m handin student-edition``) strips the worked solutions, ``write_course``
(``python -m handin course DIR``) makes every chapter an nbgrader assignment whose test
cells import the checks from here. The modules: ``selfcheck`` (chapters 1, 2, 7),
``selfcheck_training`` (3), ``selfcheck_metrics`` (4), ``selfcheck_draw`` (6), ``selfcheck_init`` (7),
``selfcheck_backprop`` and ``selfcheck_autodiff`` (8), ``edition``,
``nbgrader``; ``_hints`` and ``_tripwire`` are the checks' shared machinery.

The grader (``python -m handin grade``), which no submission can forge: ``autograde``
(nbgrader's Execute in the sandbox, the verdicts computed outside it), ``remote`` and
``_rpc`` (the student's functions reached over a wire of plain data), ``build`` (handin with
a chapter's answers switched off), ``sandbox`` (bubblewrap), ``grade`` (a class on every
core, into one gradebook), ``similarity`` (copies flagged). They are imported by name, not
here: they need the teacher's tools (nbgrader, copydetect).
"""

from .edition import write_student_edition
from .nbgrader import write_course
from .selfcheck import (CheckFailed, CheckResult, check_backward, check_cost, check_forward,
                        check_linear_cost_grad, check_softmax_loss)
from .selfcheck_autodiff import check_backprop, check_local_derivatives
from .selfcheck_backprop import (check_affine_backward, check_affine_forward, check_cost_grad,
                                 check_relu_backward, check_relu_forward, check_softmax_head)
from .selfcheck_init import check_dead_units, check_he_init
from .selfcheck_draw import check_centring_shift
from .selfcheck_metrics import check_confident_mistakes, check_confusion_matrix
from .selfcheck_training import check_epoch, check_target

__all__ = ["write_student_edition", "write_course", "CheckResult", "CheckFailed",
           "check_softmax_loss", "check_forward", "check_cost", "check_backward",
           "check_epoch", "check_target", "check_confusion_matrix", "check_confident_mistakes",
           "check_linear_cost_grad", "check_he_init", "check_dead_units",
           "check_centring_shift", "check_affine_forward", "check_affine_backward",
           "check_relu_forward", "check_relu_backward", "check_softmax_head", "check_cost_grad",
           "check_local_derivatives", "check_backprop"]
