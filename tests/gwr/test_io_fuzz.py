"""Damaged network files never crash the interpreter, never hang, and never
load into a network that fails later: seeded mutations of three valid files,
each tried in a child process (see ``npz_fuzz``)."""

from npz_fuzz import run_campaign


def test_mutated_files_load_and_work_or_are_refused(tmp_path):
    results = run_campaign(tmp_path)
    report = "\n".join(
        f"{label}: {r['files']} mutated files, {r['loaded']} loaded and used, "
        f"{r['refused']} refused with a ValueError"
        for label, r in results.items()
    )
    print(report)  # the counts (pytest -s shows them)
    for label, r in results.items():
        assert not r["failures"], f"{label}:\n" + "\n".join(r["failures"])
        assert r["tried"] == r["files"] == r["loaded"] + r["refused"], report
        assert r["loaded"] > 0 and r["refused"] > 0, report
