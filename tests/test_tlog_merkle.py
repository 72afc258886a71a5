"""RFC 9162 hashing and proofs (``docgen.tlog.merkle``): against transparency-dev/merkle's published
vectors, against the reference roots of its eight test leaves, and against a recursive MTH over
every tree size up to 70 (each proof generated, verified, and refused once altered)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from docgen.tlog import merkle

VECTORS = Path(__file__).parent / "data" / "merkle-testdata" / "testdata"
# transparency-dev/merkle testonly/constants.go: LeafInputs() and RootHashes()
LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]


def b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or []]


def cases(kind: str) -> list[Path]:
    found = sorted((VECTORS / kind).rglob("*.json"))
    assert len(found) > 80, kind
    return found


@pytest.mark.parametrize("path", cases("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    leaf = base64.b64decode(case.get("leafHash") or "")
    root = base64.b64decode(case.get("root") or "")
    args = (leaf, case["leafIdx"], case["treeSize"], b64(case["proof"]), root)
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", cases("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (case["size1"], case["size2"], b64(case["proof"]), base64.b64decode(case.get("root1") or ""),
            base64.b64decode(case.get("root2") or ""))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def reference_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 as written: recursive, from the leaf hashes."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return merkle.node_hash(reference_mth(leaves[:k]), reference_mth(leaves[k:]))


class Tree:
    """Complete-subtree nodes kept as the log keeps them: built by ``merkle.appended`` one leaf at a time."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def append(self, entry: bytes) -> None:
        for level, index, value in merkle.appended(self.node, self.size, merkle.leaf_hash(entry)):
            self.nodes[(level, index)] = value
        self.size += 1


def test_reference_roots_of_the_published_leaves() -> None:
    tree = Tree()
    assert merkle.root(tree.node, 0).hex() == ROOTS[0]
    for n, leaf in enumerate(LEAF_INPUTS, start=1):
        tree.append(bytes.fromhex(leaf))
        assert merkle.root(tree.node, n).hex() == ROOTS[n]
        assert merkle.tree_root(tree.node(0, i) for i in range(n)).hex() == ROOTS[n]


def flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def test_proofs_against_themselves_for_every_size_up_to_70() -> None:
    tree = Tree()
    for i in range(70):
        tree.append(f"leaf {i}".encode())
    leaves = [tree.node(0, i) for i in range(70)]
    for size in range(1, 71):
        root = merkle.root(tree.node, size)
        assert root == reference_mth(leaves[:size]) == merkle.tree_root(leaves[:size])
        for index in range(size):
            path = merkle.inclusion_path(tree.node, index, size)
            merkle.verify_inclusion(leaves[index], index, size, path, root)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(flip(leaves[index]), index, size, path, root)
            if path:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(leaves[index], index, size, path[:-1], root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(tree.node, old, size)
            old_root = merkle.root(tree.node, old)
            merkle.verify_consistency(old, size, proof, old_root, root)
            if old < size:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(old, size, proof, flip(old_root), root)
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(old, size, proof, old_root, flip(root))


def test_a_proof_beyond_the_tree_is_refused() -> None:
    tree = Tree()
    for i in range(5):
        tree.append(bytes([i]))
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_path(tree.node, 5, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(tree.node, 6, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(tree.node, 0, 5)
