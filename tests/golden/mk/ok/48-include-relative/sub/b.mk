B = from-sub-b
