"""Chapter 3's validation target: the check validates the hyperparameters against the limits
and the step budget, trains them and names the shortfall; the chapter states those limits, and
its own solution reaches the target on the graded seeds within them."""

import pathlib
import re

import pytest

from handin import experiment
from handin.course import selfcheck_training as st
from handin.course._hints import Failed
from handin.course.nbgrader import HIDDEN_SEEDS
from handin.course.selfcheck_training import LIMITS, MAX_STEPS, TARGET, check_target

ROOT = pathlib.Path(__file__).resolve().parents[2]
N_TRAIN = 3400


def defaults():
    return {"lr": 0.1, "hidden": 256, "batch_size": 32, "epochs": 10}


def chapter_solution():
    """The chapter's own ``my_hyperparameters`` (the teacher's edition), run."""
    text = (ROOT / "notebooks" / "03_training.py").read_text(encoding="utf-8")
    cell = re.search(r"^def my_hyperparameters\(\):.*?(?=^# %%)", text, re.M | re.S)
    namespace = {}
    exec(cell.group(0), namespace)   # noqa: S102 - the repository's own chapter
    return namespace["my_hyperparameters"]()


def test_the_sample_has_the_training_rows_the_budget_is_stated_for():
    assert len(experiment.prepare("sample", seed=0).X_train) == N_TRAIN


def test_the_target_check_validates_trains_and_names_the_shortfall():
    text = str(check_target(defaults))
    assert f"< {TARGET}" in text and "the defaults miss it" in text and "larger lr" in text
    for bad, words in (({**defaults(), "epochs": 11}, "epochs must be an int in the range [1, 10]"),
                       ({**defaults(), "c": 0.0}, "'c' is not a hyperparameter"),
                       ({"lr": 0.1}, "'hidden' is missing"),
                       ({**defaults(), "hidden": 2.5}, "hidden must be an int"),
                       ({**defaults(), "hidden": 513}, "hidden must be an int in the range "
                                                       "[1, 512]"),
                       ({**defaults(), "lr": 0.0}, "lr must be a float in the range (0.0, 2.0]"),
                       ({**defaults(), "batch_size": 4},
                        "10 × ⌈3400 / 4⌉ = 8,500 gradient steps, more than 5,000"),
                       ({**defaults(), "batch_size": 1, "hidden": 512},
                        "With batch_size = 1, epochs must be an int in the range [1, 1]")):
        text = str(check_target(lambda bad=bad: bad))
        assert text.startswith("✗") and words in text, text
    assert "at most 5,000 gradient steps (Chapter 3, section 3)" in str(
        check_target(lambda: {**defaults(), "epochs": 11}))


@pytest.mark.parametrize("n_train, allowed", [(1000, True), (1001, False)])
def test_the_step_budget_counts_the_short_last_batch(n_train, allowed):
    hp = {"lr": 0.1, "hidden": 512, "batch_size": 2, "epochs": 10}
    # batches of 2: 500 steps an epoch for 1,000 rows, 501 for 1,001 (the last one short)
    assert st.gradient_steps(hp, n_train) == 10 * (500 if allowed else 501)
    if allowed:
        assert st._hyperparameters(hp, n_train) == hp
    else:
        with pytest.raises(Failed, match=r"epochs must be an int in the range \[1, 9\]"):
            st._hyperparameters(hp, n_train)


def test_the_advice_stays_within_the_step_budget():
    hp = {"lr": 0.3, "hidden": 256, "batch_size": 4, "epochs": 2}
    assert "train 5 epochs" in st._advice(hp, N_TRAIN)
    assert "epochs" not in st._advice({**hp, "epochs": 5}, N_TRAIN)


def test_the_chapter_states_the_limits_and_the_budget():
    for path in ("notebooks/03_training.py", "student/03_training.py"):
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        text = " ".join(" ".join(line.lstrip("#").split()) for line in lines)
        for words in (f"`lr` $\\le {LIMITS['lr']:g}$", f"`hidden` from 1 to {LIMITS['hidden']}",
                      f"`batch_size` from 1 to {LIMITS['batch_size']}",
                      f"`epochs` from 1 to {LIMITS['epochs']}",
                      f"at most {MAX_STEPS:,} gradient steps", f"validation accuracy of {TARGET}"):
            assert words in text, (path, words)


def test_the_chapters_solution_reaches_the_target_on_the_graded_seeds():
    hp = chapter_solution()
    assert st.gradient_steps(hp, N_TRAIN) <= MAX_STEPS
    for seed in (0, *HIDDEN_SEEDS):
        result = check_target(lambda: hp, seed=seed)
        assert result.ok, (seed, str(result))
