"""Signed PDF documents: the verification receipt and the printable certificate (#24).

HTML made from Jinja templates is laid out by WeasyPrint with the Debian Noto CJK fonts
(embedded as subsets), then signed with pyHanko (PAdES baseline, docs/signing.md).
"""
