"""Hostile-input campaign (issue 9): every command and the Python API, one process each.

Usage (slow: ~850 processes, 15-60 min on 2 loaded cores; not part of the test suite)::

    python benchmarks/campaign.py .venv/bin/python OUT.json ["LABEL-PART|LABEL-PART..."]

Each input runs in its own session with a 60 s timeout and an 8 GB address-space
rlimit, peak RSS measured by /usr/bin/time.  Inputs: the documented size limits and
just past them, huge and malformed sizes for every size option, hostile ``expr:``
formulas (some would create ``PWNED`` in the scratch folder if they ran), bad output
paths for every writer (--plot, --plot-degrees, --csv, --export, --store), garbage,
empty, truncated and foreign stores, and the API (eigenvalues, exact_eigenvalue,
reference_eigenvalue, decay_law, predict, learning_curve, kernel, ValidationConfig,
run_validation at tiny sizes).  Each input is expected to be refused ("bad"), to
succeed ("ok"), or either ("any").  Counted per input: code execution (PWNED exists),
traceback or non-SpecbiasError exception, zero exit on bad input, hang (> 60 s),
peak RSS > 4 GB, a store changed by a reader (runs), failure on good input, and
refusals slower than 2 s (wall time, interpreter start-up included: ~1-3 s under load;
and, load-independent, CPU time user + sys over 2 s).
Running as root makes the read-only cases writable: they count as "any" then.
Results stream to OUT.json.jsonl and the summary to OUT.json.
"""

import json
import os
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

PY = sys.argv[1]
OUT = sys.argv[2]
FILTER = sys.argv[3] if len(sys.argv) > 3 else ""
TMP = tempfile.mkdtemp(prefix="campaign-")
open(os.path.join(TMP, "empty.db"), "w").close()
with open(os.path.join(TMP, "junk.db"), "w") as fh:
    fh.write("not a database")

_g = os.path.join(TMP, "good.db")
subprocess.run(
    [
        PY,
        "-m",
        "specbias.cli",
        "validate",
        "--d",
        "3",
        "--nu",
        "2",
        "--n",
        "8,16",
        "--seeds",
        "2",
        "--n-test",
        "32",
        "--solver",
        "limit",
        "--store",
        _g,
    ],
    check=True,
    capture_output=True,
)
shutil.copy(_g, os.path.join(TMP, "rogood.db"))
os.chmod(os.path.join(TMP, "rogood.db"), 0o444)
with open(_g, "rb") as fh:
    _b = fh.read()
with open(os.path.join(TMP, "trunc.db"), "wb") as fh:
    fh.write(_b[: len(_b) // 2])
with open(os.path.join(TMP, "zeros.db"), "wb") as fh:
    fh.write(bytes(8192))
with open(os.path.join(TMP, "unreadable.db"), "wb") as fh:
    fh.write(_b)
os.chmod(os.path.join(TMP, "unreadable.db"), 0)
with sqlite3.connect(os.path.join(TMP, "schema.db")) as _c:
    _c.execute("create table other (x)")
ro = os.path.join(TMP, "ro")
os.mkdir(ro)
os.chmod(ro, 0o555)

# (label, argv-or-python, expect): expect "bad" = must refuse (non-zero, one line),
# "ok" = must succeed, "any" = succeed or refuse cleanly.
_sp = os.path.join(TMP, "student.csv")
with open(_sp, "w") as fh:
    fh.write("mu,multiplicity\n1.0,1\nnan,3\n")
CLI = [
    # --- later commands and options
    ("curve student nan", f"curve --student-spectrum {_sp} --d 3 --nu 2 --n 10,100", "bad"),
    ("curve student missing", "curve --student-spectrum /nonexistent.csv --d 3 --nu 2", "bad"),
    ("curve student dir", f"curve --student-spectrum {TMP} --d 3 --nu 2 --n 10,100", "bad"),
    ("validate scheduler bogus", "validate --d 3 --nu 2 --n 8,16 --scheduler bogus", "bad"),
    ("validate scheduler local:0", "validate --d 3 --nu 2 --n 8,16 --scheduler local:0", "bad"),
    ("validate protocol bogus", "validate --d 3 --nu 2 --n 8,16 --protocol bogus", "bad"),
    ("hessian regime bogus", "hessian --d 3 --n 20 --width 8 --regime bogus", "bad"),
    ("jamming task bogus", "jamming --P 16 --d 3 --task bogus", "bad"),
    ("fluct widths bogus", "fluctuations --widths a,b --d 3 --n 16", "bad"),
    # --- sweep executors of fluctuations, jamming, check (issue 14)
    ("fluct scheduler bogus", "fluctuations --widths 16,32 --d 3 --n 16 --scheduler x", "bad"),
    ("jamming scheduler bogus", "jamming --P 16 --d 3 --scheduler tcp:/", "bad"),
    ("jamming scheduler local:0", "jamming --P 16 --d 3 --scheduler local:0", "bad"),
    ("jamming jobs+scheduler", "jamming --P 16 --d 3 --jobs 2 --scheduler local:1", "bad"),
    ("check scheduler bogus", "check --only geiger_2019 --scheduler nope", "bad"),
    ("check scheduler unreachable", "check --only nope --scheduler tcp://10.255.255.1:1", "bad"),
    ("dd activation expr", "double-descent --d 20 --n 30 --N 10 --activation expr:t**2", "any"),
    # --- item 2: blowups within documented limits
    ("curve laplace n 1e6", "curve --kernel laplace --d 3 --nu 2 --n 10:1000000:10", "any"),
    ("spectrum ntk kmax 1e7 json", "spectrum --kernel ntk --d 3 --kmax 10000000 --json", "any"),
    ("spectrum relu kmax 1e7 json", "spectrum --kernel relu --d 5 --kmax 10000000 --json", "any"),
    (
        "spectrum ntk-bias kmax 1e6 json",
        "spectrum --kernel ntk-bias --d 3 --kmax 1000000 --json",
        "any",
    ),
    (
        "spectrum laplace kmax 1e6 json",
        "spectrum --kernel laplace --d 3 --kmax 1000000 --json",
        "any",
    ),
    (
        "spectrum gaussian kmax 1e7 json",
        "spectrum --kernel gaussian --d 3 --kmax 10000000 --json",
        "any",
    ),
    ("spectrum table kmax 1e5", "spectrum --kernel relu --d 3 --kmax 100000", "any"),
    ("spectrum table kmax 1e6", "spectrum --kernel ntk --d 3 --kmax 1000000", "any"),
    ("predict d 1e7", "predict --d 10000000 --nu 2", "any"),
    ("predict d 1e6", "predict --d 1000000 --nu 2", "any"),
    ("decay ntk d 1e7", "decay --kernel ntk --d 10000000", "any"),
    ("decay relu d 1e7", "decay --kernel relu --d 10000000", "any"),
    ("decay laplace d 1e7", "decay --kernel laplace --d 10000000", "any"),
    ("spectrum ntk d 1e7", "spectrum --kernel ntk --d 10000000 --kmax 100 --json", "any"),
    ("curve ntk d 1e7", "curve --kernel ntk --d 10000000 --nu 2 --n 10:1000:5", "any"),
    ("curve n count 1e7", "curve --kernel ntk --d 3 --nu 2 --n 10:1000000:10000000", "any"),
    ("curve n huge", "curve --kernel ntk --d 3 --nu 2 --n 1e15", "any"),
    (
        "spectrum quad kmax 4000",
        "spectrum --kernel ntk:depth=50 --d 3 --kmax 4000 --rtol 1 --json",
        "any",
    ),
    (
        "spectrum expr kmax 4000",
        "spectrum --kernel expr:exp(t) --d 3 --kmax 4000 --rtol 1 --json",
        "any",
    ),
    ("spectrum exact 5000", "spectrum --kernel ntk-bias --d 3 --kmax 5000 --exact --json", "any"),
    # --- item 4: NaN paths
    ("spectrum expr nan", "spectrum --kernel expr:nan --d 3 --kmax 5", "bad"),
    ("spectrum expr log(0)", "spectrum --kernel expr:log(t-t) --d 3 --kmax 5", "bad"),
    ("spectrum expr 1/t", "spectrum --kernel expr:1/t --d 3 --kmax 5", "bad"),
    ("spectrum expr abs(t)**-2", "spectrum --kernel expr:abs(t)**(-2) --d 3 --kmax 5", "bad"),
    ("spectrum expr exp(exp(10))", "spectrum --kernel expr:exp(exp(10)*t) --d 3 --kmax 5", "bad"),
    ("spectrum expr 1e15**20", "spectrum --kernel expr:(1e15*t)**20 --d 3 --kmax 5", "any"),
    (
        "spectrum relu-power a=-0.999999",
        "spectrum --kernel relu-power:a=-0.999999 --d 3 --kmax 5",
        "any",
    ),
    ("spectrum gaussian c=1e300", "spectrum --kernel gaussian:c=1e300 --d 3 --kmax 5", "any"),
    ("spectrum gaussian c=1e-300", "spectrum --kernel gaussian:c=1e-300 --d 3 --kmax 5", "any"),
    ("spectrum laplace c=1e-300", "spectrum --kernel laplace:c=1e-300 --d 3 --kmax 5", "any"),
    ("spectrum abs-power-rf a=300", "spectrum --kernel abs-power-rf:a=300 --d 3 --kmax 5", "any"),
    ("spectrum rtol nan", "spectrum --kernel relu --d 3 --kmax 5 --rtol nan", "bad"),
    ("curve ridge nan", "curve --kernel ntk --d 3 --nu 2 --ridge nan --n 10,100", "bad"),
    ("curve noise inf", "curve --kernel ntk --d 3 --nu 2 --noise inf --n 10,100", "bad"),
    ("curve nu 1e308", "curve --kernel ntk --d 3 --nu 1e308 --n 10,100", "any"),
    ("curve n 1e308", "curve --kernel ntk --d 3 --nu 2 --n 1e308", "any"),
    ("curve rtol 0", "curve --kernel ntk --d 3 --nu 2 --rtol 0 --n 10,100", "bad"),
    ("curve teacher nan", "curve --kernel ntk --d 3 --target teacher:expr:nan --n 10,100", "bad"),
    # --- item 5: tracebacks
    ("laplace c=1e308", "spectrum --kernel laplace:c=1e308 --d 3 --kmax 5", "any"),
    ("decay laplace c=1e308", "decay --kernel laplace:c=1e308 --d 3", "any"),
    ("decay relu-power a=1e300", "decay --kernel relu-power:a=1e300 --d 3", "any"),
    ("spectrum relu-power a=1e300", "spectrum --kernel relu-power:a=1e300 --d 3 --kmax 5", "any"),
    ("decay abs-power-rf a=1e300", "decay --kernel abs-power-rf:a=1e300 --d 3", "any"),
    ("predict nu 1e400", "predict --d 5 --nu 1e400", "bad"),
    (
        "predict activation relu-power a=1e300",
        "predict --d 5 --nu 2 --activation relu-power:a=1e300",
        "any",
    ),
    ("curve plot /proc", "curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot /proc/x.png", "bad"),
    ("curve plot dir", f"curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot {TMP}", "bad"),
    ("curve plot dir.png", f"curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot {TMP}/", "bad"),
    (
        "curve plot readonly",
        f"curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot {ro}/x.png",
        "any" if os.geteuid() == 0 else "bad",
    ),
    (
        "curve plot-degrees /proc",
        "curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot-degrees /proc/x.png",
        "bad",
    ),
    ("curve plot noext", f"curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot {TMP}/noext", "bad"),
    (
        "curve plot fast refusal",
        "curve --kernel laplace --d 3 --nu 2 --n 10:1000000:10 --plot /proc/x.png",
        "bad",
    ),
    (
        "validate plot noext",
        f"validate --preset smoke --n 16,32 --seeds 2 --plot {TMP}/noext",
        "bad",
    ),
    (
        "validate plot /proc",
        "validate --preset smoke --n 16,32 --seeds 2 --plot /proc/x.png",
        "bad",
    ),
    ("runs export /proc", f"runs --store {TMP}/empty.db --export /proc/x.csv", "bad"),
    # --- item 7
    ("check only empty", 'check --only ""', "bad"),
    ("check only unknown", "check --only nope", "bad"),
    ("runs store empty", f"runs --store {TMP}/empty.db", "bad"),
    ("runs store junk", f"runs --store {TMP}/junk.db", "bad"),
    ("runs store missing", f"runs --store {TMP}/missing.db", "bad"),
    ("runs store dir", f"runs --store {TMP}", "bad"),
    # --- misc bad values
    ("spectrum d 1", "spectrum --kernel relu --d 1 --kmax 5", "bad"),
    ("spectrum kmax -1", "spectrum --kernel relu --d 3 --kmax -1", "bad"),
    ("spectrum kmax 1e7+1", "spectrum --kernel relu --d 3 --kmax 10000001", "bad"),
    ("spectrum d 1e20", "spectrum --kernel relu --d 100000000000000000000 --kmax 5", "bad"),
    ("spectrum kernel empty", "spectrum --kernel '' --d 3 --kmax 5", "bad"),
    ("spectrum kernel :::", "spectrum --kernel ::: --d 3 --kmax 5", "bad"),
    ("spectrum relu-power a=inf", "spectrum --kernel relu-power:a=inf --d 3 --kmax 5", "bad"),
    ("spectrum ntk depth 1e9", "spectrum --kernel ntk:depth=1000000000 --d 3 --kmax 5", "bad"),
    ("spectrum latex no exact", "spectrum --kernel relu --d 3 --kmax 5 --latex", "bad"),
    ("spectrum exact 5001", "spectrum --kernel relu --d 3 --kmax 5001 --exact", "bad"),
    ("spectrum method bogus", "spectrum --kernel relu --d 3 --kmax 5 --method x", "bad"),
    ("curve n empty", "curve --kernel ntk --d 3 --nu 2 --n ''", "bad"),
    ("curve n 0", "curve --kernel ntk --d 3 --nu 2 --n 0", "bad"),
    ("curve n 1:0:3", "curve --kernel ntk --d 3 --nu 2 --n 1:0:3", "bad"),
    ("curve target bogus", "curve --kernel ntk --d 3 --nu 2 --target x", "bad"),
    ("curve kernel not psd", "curve --kernel relu --d 3 --nu 2 --n 10,100", "any"),
    ("predict parity bogus", "predict --d 5 --nu 2 --target-parity x", "bad"),
    ("predict nu 0", "predict --d 5 --nu 0", "bad"),
    ("predict nu -inf", "predict --d 5 --nu -inf", "bad"),
    ("decay gaussian", "decay --kernel gaussian --d 3", "ok"),
    ("decay expr", "decay --kernel expr:t**2 --d 3", "any"),
    # good input, small
    ("predict ok", "predict --d 5 --nu 2", "ok"),
    ("spectrum ok", "spectrum --kernel relu --d 3 --kmax 5 --exact", "ok"),
    ("curve ok", "curve --kernel ntk --d 5 --nu 2 --n 10:10000:10", "ok"),
]

API = [
    ("api eigenvalues ntk-bias 1e6", "specbias.eigenvalues('ntk-bias', 3, 10**6)", "any"),
    ("api eigenvalues laplace 1e6", "specbias.eigenvalues('laplace', 3, 10**6)", "any"),
    ("api predict 10**400", "specbias.predict(5, 10**400)", "bad"),
    ("api predict d 10**400", "specbias.predict(10**400, 2)", "bad"),
    ("api eigenvalues kmax float nan", "specbias.eigenvalues('relu', 3, float('nan'))", "bad"),
    ("api eigenvalues kmax 1e400", "specbias.eigenvalues('relu', 3, 10**400)", "bad"),
    ("api eigenvalues rtol 10**400", "specbias.eigenvalues('relu', 3, 5, rtol=10**400)", "bad"),
    (
        "api learning_curve n 10**400",
        "specbias.learning_curve('ntk', specbias.smooth_target(3, 2), [10**400])",
        "bad",
    ),
    (
        "api learning_curve n nan",
        "specbias.learning_curve('ntk', specbias.smooth_target(3, 2), [float('nan')])",
        "bad",
    ),
    ("api smooth_target nu 10**400", "specbias.smooth_target(3, 10**400)", "bad"),
    ("api decay relu-power 1e300", "specbias.decay_law('relu-power:a=1e300', 3)", "any"),
    ("api kernel non-str", "specbias.kernel(3)", "bad"),
    ("api staircase huge", "specbias.staircase('ntk', 10**7, [10.0**30])", "any"),
    ("api exact_eigenvalue k 1e9", "specbias.exact_eigenvalue('relu', 3, 10**9)", "any"),
    ("api harmonic_multiplicity 1e9", "specbias.harmonic_multiplicity(10**7, 10**7)", "any"),
    ("api harmonic_multiplicities big", "specbias.harmonic_multiplicities(10**7, 10**7)", "any"),
    ("api reference_eigenvalue k 1e5", "specbias.reference_eigenvalue('relu', 3, 10**5)", "any"),
    ("api exponent nan", "specbias.exponent(5, float('nan'), 'relu')", "bad"),
    # added with the finite-width, noise and student-spectrum work
    ("api student mu nan", "specbias.theory.student_spectrum([1.0, float('nan')], d=3)", "bad"),
    ("api student mu neg", "specbias.theory.student_spectrum([1.0, -0.1], d=3)", "bad"),
    ("api student huge", "specbias.theory.student_spectrum([1.0] * 10**8, d=3)", "bad"),
    (
        "api learning_curve noise -1",
        "specbias.learning_curve('ntk', specbias.smooth_target(3, 2), [10], noise=-1)",
        "bad",
    ),
    ("api double_descent d 10**400", "specbias.double_descent('relu', 10**400, 30, 60)", "bad"),
    (
        "api hessian width huge",
        "__import__('specbias.validation').validation.hessian_experiment(d=3, n=20, width=10**9)",
        "bad",
    ),
    (
        "api fluctuations huge",
        "__import__('specbias.validation').validation.fluctuations(widths=[10**9], d=3, n=16)",
        "bad",
    ),
]

# ----------------------------------------------------------------- generated cases
SENT = os.path.join(TMP, "PWNED")
PAYLOADS = [
    f"__import__('os').system('touch {SENT}')",
    f"open('{SENT}','w')",
    "__import__('os')",
    "().__class__.__bases__[0].__subclasses__()",
    "t.__class__.__mro__",
    f"eval(\"open('{SENT}','w')\")",
    f"exec(\"open('{SENT}','w')\")",
    "lambda: 1",
    "[x for x in ()]",
    "globals()",
    "t.real.__class__",
    "9**9**9",
    "t**9**9**9",
    "10**10**10*t",
    "'a'*10**9",
    "exp(exp(exp(t)))",
    "t" + "+t" * 20000,
    "(" * 500 + "t" + ")" * 500,
    "sin(t",
    "t @ t",
    "t if t else 1",
    "t; import os",
    "\\x00",
    "getattr(t, 'conjugate')",
    "breakpoint()",
]
HOSTILE = []
for i, pl in enumerate(PAYLOADS):
    q = shlex.quote("expr:" + pl)
    HOSTILE += [
        (f"expr{i} spectrum", f"spectrum --kernel {q} --d 3 --kmax 5", "bad"),
        (f"expr{i} spectrum json", f"spectrum --kernel {q} --d 3 --kmax 5 --json", "bad"),
        (f"expr{i} decay", f"decay --kernel {q} --d 3", "bad"),
        (f"expr{i} curve", f"curve --kernel {q} --d 3 --nu 2 --n 10,100", "bad"),
        (
            f"expr{i} curve teacher",
            f"curve --kernel ntk --d 3 --target {shlex.quote('teacher:expr:' + pl)} --n 10,100",
            "bad",
        ),
        (f"expr{i} predict activation", f"predict --d 5 --nu 2 --activation {q}", "bad"),
        (f"api expr{i} eigenvalues", f"specbias.eigenvalues({('expr:' + pl)!r}, 3, 5)", "bad"),
        (f"api expr{i} kernel", f"specbias.kernel({('expr:' + pl)!r})", "bad"),
    ]
# the few that are valid formulas (huge but finite constants are refused or handled cleanly)
HOSTILE = [
    (lbl, c, "any")
    if any(f"expr{i} " in lbl + " " for i in (11, 12, 13, 14, 15, 16, 17))
    else (lbl, c, e)
    for (lbl, c, e) in HOSTILE
]

BAD_INTS = [
    "0",
    "-1",
    "10000001",
    "100000000000000000000",
    "1e308",
    "nan",
    "inf",
    "abc",
    "''",
    "9223372036854775808",
    "1.5",
]
SIZE_OPTS = [
    ("spectrum d", "spectrum --kernel relu --kmax 5 --d {}"),
    ("spectrum kmax", "spectrum --kernel relu --d 3 --kmax {}"),
    ("spectrum kmax json", "spectrum --kernel ntk --d 3 --json --kmax {}"),
    ("predict d", "predict --nu 2 --d {}"),
    ("predict nu", "predict --d 5 --nu {}"),
    ("decay d", "decay --kernel ntk --d {}"),
    ("curve d", "curve --kernel ntk --nu 2 --n 10,100 --d {}"),
    ("curve n", "curve --kernel ntk --d 3 --nu 2 --n {}"),
    ("curve ridge", "curve --kernel ntk --d 3 --nu 2 --n 10,100 --ridge {}"),
    ("validate d", "validate --nu 2 --n 8,16 --seeds 2 --solver limit --d {}"),
    ("validate seeds", "validate --d 3 --nu 2 --n 8,16 --solver limit --seeds {}"),
    ("validate n", "validate --d 3 --nu 2 --seeds 2 --solver limit --n {}"),
    ("validate n-test", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --n-test {}"),
    ("validate n-dict", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --n-dict {}"),
    ("validate width", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --width {}"),
    ("validate jobs", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --jobs {}"),
    ("validate ensemble", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --ensemble {}"),
    ("validate max-steps", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --max-steps {}"),
    ("spectrum ntk depth", "spectrum --d 3 --kmax 5 --kernel ntk:depth={}"),
    ("hessian d", "hessian --n 20 --width 8 --json --d {}"),
    ("hessian n", "hessian --d 3 --width 8 --json --n {}"),
    ("hessian width", "hessian --d 3 --n 20 --json --width {}"),
    ("hessian top", "hessian --d 3 --n 20 --width 8 --json --top {}"),
    ("fluct members", "fluctuations --widths 16,32 --widths2 8,16 --d 3 --n 16 --members {}"),
    ("fluct n", "fluctuations --widths 16,32 --widths2 8,16 --members 2 --d 3 --n {}"),
    ("fluct d", "fluctuations --widths 16,32 --widths2 8,16 --members 2 --n 16 --d {}"),
    ("fluct n-test", "fluctuations --widths 16,32 --widths2 8,16 --d 3 --n 16 --n-test {}"),
    ("jamming d", "jamming --P 16 --seeds 1 --datasets 1 --sweep-P 16 --widths 2,4 --d {}"),
    ("jamming seeds", "jamming --P 16 --d 3 --datasets 1 --sweep-P 16 --widths 2,4 --seeds {}"),
    ("jamming P", "jamming --d 3 --seeds 1 --datasets 1 --sweep-P 16 --widths 2,4 --P {}"),
    ("jamming ensemble", "jamming --P 16 --d 3 --sweep-P 16 --widths 2,4 --ensemble {}"),
    (
        "jamming jobs",
        "jamming --P 16 --d 3 --seeds 1 --datasets 1 --sweep-P 16 --widths 2,4 --jobs {}",
    ),
    ("fluct jobs", "fluctuations --widths 16,32 --widths2 8,16 --d 3 --n 16 --members 2 --jobs {}"),
    ("dd d", "double-descent --n 30 --N 10,60 --json --d {}"),
    ("dd n", "double-descent --d 20 --N 10,60 --json --n {}"),
    ("dd simulate", "double-descent --d 20 --n 30 --N 10,60 --json --simulate {}"),
    ("predict noise", "predict --d 3 --nu 2 --noise {}"),
    ("validate feature-alpha", "validate --d 3 --nu 2 --n 8,16 --seeds 2 --feature-alpha {}"),
    ("spectrum laplace c", "spectrum --d 3 --kmax 5 --kernel laplace:c={}"),
]
SIZES = []
# any finite size is valid (double-descent's n: an asymptotic formula in psi2 = n/d)
FLOAT_OPTS = ("predict nu", "curve ridge", "spectrum laplace c", "predict noise", "dd n")
ZERO_OK = (
    "spectrum kmax",
    "spectrum kmax json",
    "curve ridge",
    "validate jobs",
    "predict noise",
    "dd simulate",
)
for lbl, tmpl in SIZE_OPTS:
    for v in BAD_INTS:
        valid = v in ("1.5", "1e308", "10000001") or (v == "0" and lbl in ZERO_OK)
        valid = valid or (
            lbl in FLOAT_OPTS and v in ("100000000000000000000", "9223372036854775808")
        )
        valid = valid or (lbl == "predict nu" and v == "inf")  # the constant target
        # max-steps is an upper bound: training stops at convergence, any large value is fine
        valid = valid or (lbl == "validate max-steps" and v[0].isdigit() and v != "0")
        SIZES.append((f"size {lbl} {v}", tmpl.format(v), "any" if valid else "bad"))
HUGE = [  # valid but oversized: must finish or be refused (quickly)
    (
        "huge spectrum exact d 1e6",
        "spectrum --kernel relu --d 1000000 --kmax 50 --exact --json",
        "any",
    ),
    ("huge spectrum exact laplace", "spectrum --kernel laplace --d 3 --kmax 5000 --exact", "any"),
    ("huge spectrum json 1e7 allow", "spectrum --kernel ntk --d 3 --kmax 10000000 --json", "any"),
    (
        "huge spectrum csv 1e7",
        f"spectrum --kernel ntk --d 3 --kmax 10000000 --csv {TMP}/s.csv",
        "any",
    ),
    ("huge curve ntk d 1e7", "curve --kernel ntk --d 10000000 --nu 2 --n 10:1000:5", "any"),
    ("huge curve laplace d 1e7", "curve --kernel laplace --d 10000000 --nu 2 --n 10,1e6", "any"),
    ("huge validate n 1e7", "validate --d 3 --nu 2 --n 10000000 --seeds 2 --solver limit", "any"),
    (
        "huge validate width 1e7",
        "validate --d 3 --nu 2 --n 8,16 --seeds 100000 --width 10000000",
        "any",
    ),
    (
        "huge validate n-dict 1e8",
        "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --n-dict 100000000",
        "any",
    ),
    (
        "huge validate jobs 1000",
        "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --jobs 1000",
        "any",
    ),
    ("huge predict d 1e7 odd", "predict --d 10000000 --nu 2 --target-parity odd", "any"),
    ("huge decay gaussian d 1e7", "decay --kernel gaussian --d 10000000", "any"),
]
# bad output paths for every writer
open(os.path.join(TMP, "afile"), "w").close()
PATHS = {
    "proc": "/proc/x{ext}",
    "dir": TMP,
    "dir/": TMP + "/",
    "ro": ro + "/x{ext}",
    "missing-dir": TMP + "/nope/x{ext}",
    "empty": "''",
    "file-as-dir": TMP + "/afile/x{ext}",
    "wrong-ext": TMP + "/x.txt",
    "noext": TMP + "/x",
    "dev-full": "/dev/full",
}
WRITERS = [
    ("curve --plot", "curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot {}", ".png"),
    (
        "curve --plot-degrees",
        "curve --kernel ntk --d 3 --nu 2 --n 10,100 --plot-degrees {}",
        ".png",
    ),
    ("spectrum --csv", "spectrum --kernel relu --d 3 --kmax 5 --csv {}", ".csv"),
    (
        "validate --plot",
        "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --plot {}",
        ".png",
    ),
    ("runs --export", "runs --store " + TMP + "/good.db --export {}", ".csv"),
    (
        "validate --store",
        "validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --store {}",
        ".db",
    ),
]
PATHCASES = []
for wl, tmpl, ext in WRITERS:
    for pl, p in PATHS.items():
        if wl == "validate --store" and pl in ("wrong-ext", "noext"):
            continue  # a store may have any name
        expect = "any" if pl == "ro" and os.geteuid() == 0 else "bad"
        PATHCASES.append((f"path {wl} {pl}", tmpl.format(p.format(ext=ext)), expect))
# stores: garbage, empty, wrong schema, truncated, directory, unreadable
STORES = {
    "empty": "empty.db",
    "junk": "junk.db",
    "missing": "missing.db",
    "dir": "",
    "schema": "schema.db",
    "trunc": "trunc.db",
    "unreadable": "unreadable.db",
    "zeros": "zeros.db",
}
STORECASES = []
for sl, name in STORES.items():
    path = os.path.join(TMP, name) if name else TMP
    # writers get their own copy: a parallel reader must see the fixture unchanged
    wpath = os.path.join(TMP, "w_" + name) if name else TMP
    if name and os.path.exists(path):
        shutil.copy(path, wpath)
        shutil.copy(path, wpath + "2")
    bad = "any" if sl == "unreadable" and os.geteuid() == 0 else "bad"  # root reads it
    STORECASES += [
        (f"store runs {sl}", f"runs --store {path}", bad),
        (f"store runs json {sl}", f"runs --store {path} --json", bad),
        (f"store runs export {sl}", f"runs --store {path} --export {TMP}/e_{sl}.csv", bad),
        (
            f"store validate {sl}",
            f"validate --d 3 --nu 2 --n 8,16 --seeds 2 --solver limit --store {wpath}",
            "any" if sl in ("missing", "empty") else bad,
        ),
        (
            f"api store {sl}",
            f"specbias.ResultStore({(wpath + '2') if name else wpath!r}).__enter__()",
            "any" if sl in ("missing", "empty") else bad,
        ),
    ]
GOODSTORE = [
    ("store runs good", f"runs --store {TMP}/good.db", "ok"),
    ("store runs good json", f"runs --store {TMP}/good.db --json", "ok"),
    ("store runs good export csv", f"runs --store {TMP}/good.db --export {TMP}/g.csv", "ok"),
    ("store runs good export json", f"runs --store {TMP}/good.db --export {TMP}/g.json", "ok"),
    ("store runs readonly good", f"runs --store {TMP}/rogood.db", "ok"),
]
CHECKS = [
    (f"check only {x}", f"check --only {shlex.quote(x)}", "bad")
    for x in ["", "nope", ",", "a,b", "'", "*", "x" * 5000, "../../etc/passwd", "\\x00"]
]
CHECKS += [
    ("check json only bad", "check --json --only nope", "bad"),
    ("check extra arg", "check extra", "bad"),
]
KERNELS = [  # quadrature kernels (ntk:depth, expr) may refuse rtol=1e-10: "any" below
    "relu",
    "step",
    "ntk",
    "ntk-bias",
    "laplace",
    "gaussian",
    "arccos0",
    "arccos1",
    "arccos2",
    "abs-power:a=1",
    "relu-power:a=1.5",
    "abs-power-rf:a=2",
    "ntk:depth=3",
    "expr:exp(t)",
    "expr:t**3+t",
]
GOOD = []
for kname in KERNELS:
    ok = "any" if kname.startswith(("expr:", "ntk:")) else "ok"  # AccuracyError allowed
    GOOD += [
        (f"good spectrum {kname}", f"spectrum --kernel {shlex.quote(kname)} --d 4 --kmax 20", ok),
        (f"good decay {kname}", f"decay --kernel {shlex.quote(kname)} --d 4", "any"),
        (f"api good eigenvalues {kname}", f"specbias.eigenvalues({kname!r}, 4, 50)", ok),
        (f"api good exact {kname}", f"specbias.exact_eigenvalue({kname!r}, 4, 6)", "any"),
        (f"api good decay_law {kname}", f"specbias.decay_law({kname!r}, 4)", "any"),
    ]
API_GEN = []
TINY_CFG = (
    "specbias.ValidationConfig(d=3, nu_t=2.0, n_values=(8, 16), seeds=2, n_test=32, "
    "n_dict=128, solver='limit')"
)
BADV = [  # True == 1 and 2.5 are valid sample sizes and smoothness: "any" there
    "-1",
    "0",
    "10**400",
    "float('nan')",
    "float('inf')",
    "'x'",
    "None",
    "[1]",
    "True",
    "2.5",
]
for v in BADV:
    API_GEN += [
        (f"api gen eigenvalues d {v}", f"specbias.eigenvalues('relu', {v}, 5)", "bad"),
        (
            f"api gen eigenvalues kmax {v}",
            f"specbias.eigenvalues('relu', 3, {v})",
            "bad" if v != "0" else "ok",
        ),
        (
            f"api gen exact k {v}",
            f"specbias.exact_eigenvalue('relu', 3, {v})",
            "bad" if v != "0" else "ok",
        ),
        (
            f"api gen reference k {v}",
            f"specbias.reference_eigenvalue('relu', 3, {v})",
            "bad" if v != "0" else "ok",
        ),
        (f"api gen decay_law d {v}", f"specbias.decay_law('ntk', {v})", "bad"),
        (  # 2.5 is a smoothness; inf is the constant target (issue 8 item 5)
            f"api gen predict nu {v}",
            f"specbias.predict(5, {v})",
            "any" if v in ("2.5", "float('inf')") else "bad",
        ),
        (f"api gen kernel {v}", f"specbias.kernel({v})", "bad"),
        (
            f"api gen learning_curve n {v}",
            f"specbias.learning_curve('ntk', specbias.smooth_target(3, 2), [{v}])",
            "any" if v in ("True", "2.5") else "bad",
        ),
        (
            f"api gen config seeds {v}",
            f"specbias.ValidationConfig(d=3, nu_t=2.0, n_values=(8,16), seeds={v})",
            "bad",
        ),
        (
            f"api gen config n {v}",
            f"specbias.ValidationConfig(d=3, nu_t=2.0, n_values=({v},), seeds=2)",
            "bad",
        ),
        (
            f"api gen config d {v}",
            f"specbias.ValidationConfig(d={v}, nu_t=2.0, n_values=(8,16), seeds=2)",
            "bad",
        ),
        (
            f"api gen run_validation jobs {v}",
            f"specbias.run_validation({TINY_CFG}, jobs={v})",
            "bad",
        ),
    ]
API_GEN += [
    ("api huge reference k 1e5", "specbias.reference_eigenvalue('relu', 3, 10**5)", "any"),
    ("api huge exact d 1e7", "specbias.exact_eigenvalue('relu', 10**7, 5)", "any"),
    ("api huge eigenvalues 1e7", "specbias.eigenvalues('relu', 3, 10**7)", "any"),
    (
        "api huge learning_curve d 1e7",
        "specbias.learning_curve('ntk', specbias.smooth_target(10**7, 2), [10, 1e15])",
        "any",
    ),
    (
        "api huge config n 1e7",
        "specbias.run_validation(specbias.ValidationConfig(d=3, nu_t=2.0, n_values=(10**7,), "
        "seeds=2, solver='limit'))",
        "any",
    ),
    (
        "api good run_validation tiny",
        f"specbias.run_validation({TINY_CFG})",
        "ok",
    ),
    ("api good predict", "specbias.predict(5, 2)", "ok"),
    (
        "api good learning_curve",
        "specbias.learning_curve('ntk', specbias.smooth_target(3, 2), [10, 100])",
        "ok",
    ),
]


def limits():
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
    os.setsid()


def run(case):
    label, cmd, expect = case
    if label.startswith("api "):
        argv = [PY, "-c", f"import specbias\nr = {cmd}\nprint(type(r).__name__)"]
    else:
        import shlex

        argv = [PY, "-m", "specbias.cli", *shlex.split(cmd)]
    import hashlib

    def snap():
        """The store a reader gets (and its journal files): must not change."""
        store = shlex.split(cmd)[shlex.split(cmd).index("--store") + 1]
        files = [store + sfx for sfx in ("", "-journal", "-wal", "-shm")]
        return {
            f: hashlib.sha256(open(f, "rb").read()).hexdigest() if os.path.isfile(f) else None
            for f in files
        }

    before = snap() if label.startswith("store runs") else None
    t0 = time.monotonic()
    # measure peak RSS through /usr/bin/time when available
    timer = (
        ["/usr/bin/time", "-f", "MAXRSS_KB=%M CPU_S=%U %S"]
        if os.path.exists("/usr/bin/time")
        else []
    )
    p = subprocess.Popen(
        timer + argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limits,
        cwd=TMP,
        env={**os.environ, "COLUMNS": "120", "OMP_NUM_THREADS": "1"},
    )
    try:
        out, err = p.communicate(timeout=60)
        rc, hang = p.returncode, False
    except subprocess.TimeoutExpired:
        import signal

        os.killpg(p.pid, signal.SIGKILL)  # the whole session: /usr/bin/time and python
        out, err = p.communicate()
        rc, hang = None, True
    dt = time.monotonic() - t0
    rss = cpu = None
    for line in err.splitlines():
        if line.startswith("MAXRSS_KB="):  # "MAXRSS_KB=123 CPU_S=0.91 0.07"
            kb, user_sys = line.split(" CPU_S=")
            rss = int(kb.split("=")[1]) / 1e6
            cpu = round(sum(float(v) for v in user_sys.split()), 2)
    err_lines = [
        ln
        for ln in err.splitlines()
        if not ln.startswith("MAXRSS_KB=")
        and "exited with non-zero" not in ln
        and "Command terminated" not in ln
    ]
    tb = ("Traceback" in err) or ("MemoryError" in err)
    big = (rss or 0) > 4.0 or "MemoryError" in err
    if label.startswith("api "):
        other_exc = tb and not (
            err_lines
            and any(x in err_lines[-1] for x in ("InputError", "AccuracyError", "SpecbiasError"))
        )
        tb = other_exc
    wrote = before is not None and snap() != before
    pwned = os.path.exists(os.path.join(TMP, "PWNED"))
    res = dict(
        wrote=wrote,
        code_exec=pwned,
        slow_refusal=(expect != "ok" and rc not in (0, None) and dt > 2.0),
        # the same on CPU time (user + sys): what the wall time is on an idle machine
        slow_refusal_cpu=(expect != "ok" and rc not in (0, None) and (cpu or 0) > 2.0),
        cpu_s=cpu,
        label=label,
        cmd=cmd,
        expect=expect,
        rc=rc,
        seconds=round(dt, 1),
        rss_gb=rss,
        hang=hang,
        traceback=tb,
        big=big,
        zero_on_bad=(expect == "bad" and rc == 0),
        fail_on_good=(expect == "ok" and rc != 0),
        stderr_tail=" | ".join(err_lines[-2:])[:300],
        stdout_lines=len(out.splitlines()),
    )
    with open(OUT + ".jsonl", "a") as fh:
        fh.write(json.dumps(res) + "\n")
    return res


cases = [
    c
    for c in CLI
    + API
    + HOSTILE
    + SIZES
    + HUGE
    + PATHCASES
    + STORECASES
    + GOODSTORE
    + CHECKS
    + GOOD
    + API_GEN
    if any(f in c[0] for f in FILTER.split("|"))
]
with ThreadPoolExecutor(2) as ex:
    results = list(ex.map(run, cases))
for r in results:
    flags = [
        k
        for k in (
            "hang",
            "traceback",
            "big",
            "zero_on_bad",
            "fail_on_good",
            "wrote",
            "code_exec",
            "slow_refusal",
            "slow_refusal_cpu",
        )
        if r[k]
    ]
    print(
        f"{'!!' if flags else 'ok'} {r['label']:40s} rc={r['rc']} {r['seconds']:5.1f}s "
        f"{(r['rss_gb'] or 0):5.2f}GB {','.join(flags)} :: {r['stderr_tail'][:150]}"
    )
summary = {
    k: sum(bool(r[k]) for r in results)
    for k in (
        "code_exec",
        "traceback",
        "zero_on_bad",
        "hang",
        "big",
        "wrote",
        "fail_on_good",
        "slow_refusal",
        "slow_refusal_cpu",
    )
}
refusals = [r["cpu_s"] for r in results if r["expect"] != "ok" and r["rc"] not in (0, None)]
summary["max_refusal_cpu_s"] = max((c or 0) for c in refusals) if refusals else None
summary["max_rss_gb"] = max((r["rss_gb"] or 0) for r in results)
summary["cases"] = len(results)
print(json.dumps(summary))
with open(OUT, "w") as fh:
    json.dump(dict(summary=summary, results=results), fh, indent=1)
