print("sn 0.1.0")
