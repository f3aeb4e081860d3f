# A map shaped like kproxy's endpoints-10 slot map (N/10 destinations x 10 slots), as an nft script.
# Usage: python3 gen.py N > map.nft (table ip t, map m)
import sys
n=int(sys.argv[1])
print("table ip t {\n map m { type ipv4_addr . inet_service . mark : ipv4_addr . inet_service\n elements = {")
out=[]
for s in range(n//10):
    a=0xac100000+s
    ip="%d.%d.%d.%d"%(a>>24,(a>>16)&255,(a>>8)&255,a&255)
    for k in range(10):
        e=0x0a000000+s*10+k
        eip="%d.%d.%d.%d"%(e>>24,(e>>16)&255,(e>>8)&255,e&255)
        out.append(f"{ip} . 80 . {k} : {eip} . 8080")
print(",\n".join(out))
print("}\n}\n}")
