C = from-top-c
