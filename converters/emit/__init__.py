"""Emitters: turn a conversion Plan into the files of the generated package (as text, nothing written)."""
