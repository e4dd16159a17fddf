"""The command line under two-person approval (CONTRACT.md "Command line"): `import` reports
`outcome: "pending"`; `approve` and `reject` with their exit codes; `batches --json` gives the
states `pending` and `rejected`; whoever has a shell is trusted, so only uploader and approver
(by `--user`) must differ; `init-db --sample` commits the demonstration data directly."""

from __future__ import annotations

import json

from tests.cli_helpers import cli
from tests.files import xlsx
from tests.snapshots import snapshot

TWO = {"CPIP_APPROVAL": "two-person"}


def updates(ref: str, rag: str = "Red") -> bytes:
    return xlsx({"Updates": [["Action ID", "Reporting date", "RAG", "Commentary"],
                             [ref, "2024-09-16", rag, "Escalated"]]})


def listing(url: str) -> dict[int, dict]:
    return {b["batch_id"]: b for b in json.loads(cli(url, "batches", "--json").stdout)}


def test_pending_then_approved_by_another_user(sample_url, sample_engine, tmp_path):
    path = tmp_path / "round-5.xlsx"
    path.write_bytes(updates("NEG-1"))
    stored = cli(sample_url, "import", str(path), "--json", "--user", "ana", env=TWO)
    report = json.loads(stored.stdout)
    assert stored.returncode == 0
    assert (report["ok"], report["outcome"], report["batch_id"]) == (True, "pending", 2)
    batch = listing(sample_url)[2]
    assert (batch["state"], batch["approved_by"], batch["approved_at"]) == ("pending", None, None)
    assert "pending" in cli(sample_url, "batches").stdout.splitlines()[0]

    before = snapshot(sample_engine)
    for args, code, said in [
        (("approve", "2", "--user", "ana"), 1, ("Batch 2 was uploaded by ana: another "
                                               "secretariat member must approve it")),
        (("approve", "2", "--user", "ANA"), 1, "Batch 2 was uploaded by ana"),
        (("approve", "99", "--user", "bo"), 1, "Batch 99 does not exist."),
        (("approve", "1", "--user", "bo"), 1, ("Batch 1 is not awaiting approval: it is already "
                                              "current.")),
        (("reject", "2", "--reason", " ", "--user", "bo"), 1, "Give a reason for rejecting"),
        (("rollback", "2", "--user", "bo"), 1, ("Batch 2 is awaiting approval, so it was never "
                                               "current")),
    ]:
        result = cli(sample_url, *args, env=TWO)
        assert (result.returncode, result.stdout[:len(said)]) == (code, said), args
    assert cli(sample_url, "reject", "2", "--user", "bo", env=TWO).returncode == 2  # no --reason
    assert snapshot(sample_engine) == before

    other = tmp_path / "round-5b.xlsx"
    other.write_bytes(updates("NEG-1", "Amber"))
    refused = json.loads(cli(sample_url, "import", str(other), "--json", "--user", "bo",
                             env=TWO).stdout)
    assert refused["outcome"] == "rejected" and refused["errors"] == [{
        "sheet": None, "row": None, "column": None, "value": None,
        "message": "Batch 2 (round-5.xlsx, uploaded by ana) is awaiting approval and changes "
                   "action NEG-1 too: this file can be loaded once that batch is approved, "
                   "rejected or withdrawn"}]

    approved = cli(sample_url, "approve", "2", "--user", "bo", env=TWO)
    assert approved.returncode == 0 and "is approved and current" in approved.stdout
    batch = listing(sample_url)[2]
    assert (batch["state"], batch["approved_by"]) == ("committed", "bo")
    assert batch["approved_at"].endswith("Z") and batch["approved_at"] >= batch["committed_at"]
    again = cli(sample_url, "approve", "2", "--user", "cy", env=TWO)
    assert again.returncode == 1 and "not awaiting approval: it is already current" in again.stdout
    assert "approved by bo" in cli(sample_url, "batches").stdout


def test_rejected_with_a_reason(sample_url, tmp_path):
    path = tmp_path / "round-6.xlsx"
    path.write_bytes(updates("NEG-2"))
    assert json.loads(cli(sample_url, "import", str(path), "--json", "--user", "ana",
                          env=TWO).stdout)["outcome"] == "pending"
    rejected = cli(sample_url, "reject", "2", "--reason", "Wrong round", "--user", "bo", env=TWO)
    assert rejected.returncode == 0 and "is rejected" in rejected.stdout
    batch = listing(sample_url)[2]
    assert batch["state"] == "rejected" and set(batch) == {
        "batch_id", "file", "sha256", "kinds", "user", "committed_at", "state", "approved_by",
        "approved_at", "rolled_back_by", "rolled_back_at", "illustrative", "changes"}
    assert "rejected by bo: Wrong round" in cli(sample_url, "batches").stdout
    assert cli(sample_url, "approve", "2", "--user", "bo", env=TWO).returncode == 1
    # the uploader rejecting their own batch withdraws it
    assert json.loads(cli(sample_url, "import", str(path), "--json", "--user", "ana",
                          env=TWO).stdout)["batch_id"] == 3
    withdrawn = cli(sample_url, "reject", "3", "--reason", "Typo", "--user", "ana", env=TWO)
    assert withdrawn.returncode == 0 and "is withdrawn" in withdrawn.stdout
    assert "withdrawn   round-6.xlsx" in cli(sample_url, "batches").stdout


def test_a_bad_approval_setting_is_a_sentence(sample_url, tmp_path):
    path = tmp_path / "round-5.xlsx"
    path.write_bytes(updates("NEG-1"))
    result = cli(sample_url, "import", str(path), "--json", env={"CPIP_APPROVAL": "maybe"})
    report = json.loads(result.stdout)
    assert result.returncode == 2 and report["outcome"] == "unreadable"
    assert report["message"] == "CPIP_APPROVAL must be two-person or single, not 'maybe'."


def test_sample_data_is_committed_directly_under_two_person_approval(db_url):
    assert cli(db_url, "init-db", "--sample", env=TWO).returncode == 0
    assert listing(db_url)[1]["state"] == "committed"
