P2 = present2
