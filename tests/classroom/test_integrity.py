"""Integrity hints: normalised code and shared rare wrong answers."""

from __future__ import annotations

from grader.classroom.integrity import code_forms, normalise, same_code, shared_rare_answers

CODE = '''"""My sigmoid."""
import numpy as np


def sigmoid(x):
    """Squash x."""
    return 1 / (1 + np.exp(-x))  # the formula
'''
RESPACED = "import numpy as np\ndef sigmoid(x):\n    return 1/(1+\n        np.exp(-x))\n"
OTHER = "import numpy as np\n\n\ndef sigmoid(x):\n    return np.exp(x) / (1 + np.exp(x))\n"
STUB = (
    "import numpy as np\n\n\ndef sigmoid(x):\n"
    '    """Return sigmoid."""\n    raise NotImplementedError\n'
)


def test_comments_spacing_and_docstrings_do_not_count() -> None:
    assert normalise(CODE) == normalise(RESPACED)
    assert normalise(CODE) != normalise(OTHER)
    assert normalise("def f(:\n    '''") is None
    # A string that starts an expression is code, not a docstring.
    assert normalise("'a' + b\n") != normalise("c\n")


def test_same_code_groups_students_and_skips_starters() -> None:
    files = {
        "ada": {"sigmoid.py": CODE},
        "ben": {"sigmoid.py": RESPACED},
        "cai": {"sigmoid.py": OTHER},
        "dee": {"sigmoid.py": STUB},
        "eve": {"sigmoid.py": STUB},
    }
    forms = {student: code_forms(by_name) for student, by_name in files.items()}
    groups = same_code(forms, {"sigmoid.py": STUB})
    assert [(g.file, g.students) for g in groups] == [("sigmoid.py", ("ada", "ben"))]


def test_pairs_share_rare_wrong_answers_not_common_ones() -> None:
    wrong = {f"s{i}": {"q1": "0.50"} for i in range(10)}  # a common mistake: no hint
    wrong["ben"] = {"q1": "0.50", "q2": "b", "q3": "7.00"}
    wrong["cai"] = {"q2": "b", "q3": "7.00", "q4": "a"}
    wrong["ben"]["q4"] = "a"
    wrong["dee"] = {"q2": "c", "q3": "7.00"}  # q3 = 7.00 by three of 13: not rare
    pairs = shared_rare_answers(wrong)
    assert [(p.students, p.answers) for p in pairs] == [
        (("ben", "cai"), (("q2", "b"), ("q4", "a")))
    ]
