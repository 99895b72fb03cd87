"""The fork server's record of the data files a run opened (what the incremental build hashes)."""

import json
import subprocess
import sys


def test_files_opened_through_a_symlinked_data_folder_are_recorded(tmp_path):
    real = tmp_path / "real-data"
    (real / "processed").mkdir(parents=True)
    (real / "processed" / "dti.csv").write_text("synthetic\n", encoding="utf-8")
    (real / "elsewhere.txt").write_text("x", encoding="utf-8")
    link = tmp_path / "data"
    link.symlink_to(real)
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    # A process of its own: the audit hook, once added, stays for the process's life.
    script = (
        "import json, sys\n"
        "from analysis.runner import forkserver\n"
        f"forkserver.track_reads({str(link)!r})\n"
        f"open({str(link / 'processed' / 'dti.csv')!r}).read()\n"
        f"open({str(real / 'elsewhere.txt')!r}).read()\n"
        f"open({str(outside)!r}).read()\n"
        "print(json.dumps(forkserver.opened_files()))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    opened = json.loads(result.stdout)
    assert opened == sorted([str(link / "processed" / "dti.csv"), str(real / "elsewhere.txt")])
