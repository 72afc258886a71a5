"""The transparency log over every issued file (RFC 9162 Merkle tree, C2SP checkpoints, tiles,
cosignatures): ``merkle`` (hashing and proofs, pure), ``note`` (signed-note formats), ``tiles``,
``log`` (the log in docgen's database), ``witness`` and ``audit``. Kept empty so that importing one
module never imports the others."""
