# Kernel cost of reading a set's elements back: one NLM_F_DUMP (replies, CPU) or GETSETELEM
# requests carrying PER keys each (one reply message per element). Usage, in the namespace:
#   python3 readback.py dump | python3 readback.py get N PER [1: make one key missing]
import socket, struct, resource, time, sys
NETLINK_NETFILTER=12
def attr(t, payload): 
    l=4+len(payload); return struct.pack("HH",l,t)+payload+b"\0"*((4-l%4)%4)
def msg(typ, flags, seq, body, family=2):
    payload=struct.pack("BBH",family,0,0)+body
    return struct.pack("IHHII",16+len(payload),(10<<8)|typ,flags,seq,0)+payload
s=socket.socket(socket.AF_NETLINK,socket.SOCK_RAW,NETLINK_NETFILTER)
s.setsockopt(socket.SOL_SOCKET, 33, 64<<20)
s.bind((0,0))
def usage(): r=resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime, r.ru_stime
base=attr(1,b"t\0")+attr(2,b"m\0")
def recv_all(seq, stop_on_done=True):
    replies=0; msgs=0; errs=[]; done=False
    while not done:
        data=s.recv(1<<20); replies+=1
        off=0
        while off<len(data):
            l,t,f,sq,pid=struct.unpack_from("IHHII",data,off)
            if t==3: done=True
            elif t==2:
                e=struct.unpack_from("i",data,off+16)[0]; errs.append(e); done=True
            else: msgs+=1
            off+=(l+3)&~3
    return replies,msgs,errs
mode=sys.argv[1]
if mode=="dump":
    u0,s0=usage(); t0=time.time()
    s.send(msg(13,0x1|0x300,1,base))
    r,m,e=recv_all(1)
    u1,s1=usage()
    print(f"dump: {r} replies, {m} msgs, wall {time.time()-t0:.3f}s user {u1-u0:.3f} sys {s1-s0:.3f} errs {e}")
else:
    n=int(sys.argv[2]); per=int(sys.argv[3]); missing=int(sys.argv[4]) if len(sys.argv)>4 else 0
    keys=[]
    for i in range(n//10):
        for k in range(10):
            keys.append(struct.pack(">I",0xac100000+i)+struct.pack(">H",80)+b"\0\0"+struct.pack("=I",k))
    if missing: keys[5]=struct.pack(">I",0x01010101)+b"\0\0\0\0"+struct.pack("=I",0)
    u0,s0=usage(); t0=time.time(); got=0; seq=10; errs=[]
    for i in range(0,len(keys),per):
        els=b"".join(attr(1|0x8000 if False else 1, attr(1, attr(1,k))) for k in keys[i:i+per])
        seq+=1
        s.send(msg(13,0x1|0x4,seq,base+attr(3|0x8000,els)))
        r,m,e=recv_all(seq); got+=m; errs+= [x for x in e if x]
    u1,s1=usage()
    print(f"get x{per}: {got} elements back of {len(keys)}, wall {time.time()-t0:.3f}s user {u1-u0:.3f} sys {s1-s0:.3f} errs {errs[:3]}")
