print("kproxy")
