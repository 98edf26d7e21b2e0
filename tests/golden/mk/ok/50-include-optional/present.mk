P1 = present
