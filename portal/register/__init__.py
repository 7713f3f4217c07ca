"""The certificate register: validation, rows, tables and the public projection."""
