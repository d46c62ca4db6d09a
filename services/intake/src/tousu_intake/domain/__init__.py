"""The intake domain: pure rules (masking, keys, ids, deadlines, actions, status), no I/O."""
