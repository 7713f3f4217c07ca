"""docs/contract.md §6: the report's 2022 statistics table, written out once for every test that checks it.

`portal.services.demo.TARGETS_2022` holds the same figures on purpose: the demo generator
aims at them, and these are what the tests check it against, so a wrong figure there fails.
"""

TABLE_2022 = {
    "QMS": (838, 63, 480, 21, 31, 166),
    "EMS": (467, 46, 242, 8, 18, 106),
    "OHSMS": (342, 43, 177, 4, 10, 70),
    "SRMS": (2, 0, 2, 0, 0, 0),
    "OTHER_MS": (3, 2, 0, 0, 0, 1),
    "GREEN_PRODUCT": (1, 1, 0, 0, 0, 0),
    "VOLUNTARY_PRODUCT": (15, 3, 0, 1, 4, 0),
    "REAL_ESTATE_SERVICE": (11, 0, 11, 0, 0, 0),
}
SUBTOTALS_2022 = {
    "management": (1652, 154, 901, 33, 59, 343),
    "product": (16, 4, 0, 1, 4, 0),
    "service": (11, 0, 11, 0, 0, 0),
}
COLUMNS = ("valid", "newly_issued", "surveillance_audits", "suspended", "withdrawn",
           "cancelled")
