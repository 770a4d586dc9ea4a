"""Extract the dependency collections from the `ansible` community wheel (Galaxy is unreachable).

usage: python ci/vendor_collections.py ansible-12.3.0-py3-none-any.whl OUTDIR
Writes OUTDIR/ansible_collections/<ns>/<name>/... and OUTDIR/requirements.yml (type: dir entries)
for `ansible-galaxy collection install -r OUTDIR/requirements.yml -p COLLECTIONS_PATH`.
"""
import sys
import zipfile
from pathlib import Path

WANT = [
    "kubernetes/core",
    "community/general",
    "community/crypto",
    "community/docker",
    "community/library_inventory_filtering_v1",  # dependency of community.docker 4.x
    "ansible/posix",
]


def main(wheel, out):
    out = Path(out).resolve()
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            if any(member.startswith("ansible_collections/%s/" % w) for w in WANT):
                z.extract(member, out)
    lines = ["---", "collections:"]
    for w in WANT:
        lines += ["  - name: %s" % (out / "ansible_collections" / w), "    type: dir"]
    (out / "requirements.yml").write_text("\n".join(lines) + "\n")
    print("extracted %d collections to %s" % (len(WANT), out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
