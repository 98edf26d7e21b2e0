B = from-top-b-wrong
