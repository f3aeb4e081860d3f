# Fast probes of kproxy's tables at scale, straight over nf_tables netlink (run inside the netns):
# `nft get element` dumps the whole set first (~8 s at 500k elements); one NFT_MSG_GETSETELEM
# for one key costs microseconds.
#   python3 probe.py handles                      every set of `ip kproxy` with its kernel handle
#   python3 probe.py poll STOPFILE SET=KEY...      GETs each key until STOPFILE exists; prints
#                                                  "ROUNDS MISSING" and each miss on stderr
# A KEY is `a.b.c.d` (cluster-ips), `a.b.c.d:PORT` (tcp destination, endpoints-LOtoHI) or
# `a.b.c.d:PORT/SLOT` (tcp destination and slot, endpoints-N), encoded as the kernel stores them
# (each concatenated field padded to 4 bytes; the slot is a host-order integer).
import os, socket, struct, sys

NETLINK_NETFILTER = 12
NFT_MSG_GETSET, NFT_MSG_GETSETELEM = 10, 13
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NFPROTO_IPV4 = 2
TABLE = b"kproxy\0"


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def message(typ, flags, seq, body):
    payload = struct.pack("BBH", NFPROTO_IPV4, 0, 0) + body
    return struct.pack("IHHII", 16 + len(payload), (10 << 8) | typ, flags, seq, 0) + payload


def attrs(data, off, end):
    while off + 4 <= end:
        n, t = struct.unpack_from("HH", data, off)
        if n < 4:
            return
        yield t & 0x3FFF, data[off + 4 : off + n]
        off += (n + 3) & ~3


def key(text):
    slot = None
    if "/" in text:
        text, s = text.split("/")
        slot = int(s)
    port = None
    if ":" in text:
        text, p = text.split(":")
        port = int(p)
    out = socket.inet_aton(text)
    if port is not None:
        out += bytes([6, 0, 0, 0]) + struct.pack(">H", port) + b"\0\0"
    if slot is not None:
        out += struct.pack("=I", slot)
    return out


class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.s.bind((0, 0))
        self.seq = 0

    def request(self, typ, flags, body):
        """Sends one request; returns (payloads of its reply messages, errno or 0)."""
        self.seq += 1
        self.s.send(message(typ, NLM_F_REQUEST | flags, self.seq, body))
        replies = []
        while True:
            data = self.s.recv(1 << 20)
            off = 0
            while off < len(data):
                n, t, _, seq, _ = struct.unpack_from("IHHII", data, off)
                if seq == self.seq:
                    if t == NLMSG_DONE:
                        return replies, 0
                    if t == NLMSG_ERROR:
                        return replies, -struct.unpack_from("i", data, off + 16)[0]
                    replies.append(data[off + 20 : off + n])
                off += (n + 3) & ~3

    def handles(self):
        msgs, err = self.request(NFT_MSG_GETSET, NLM_F_DUMP, attr(1, TABLE))
        if err:
            raise OSError(err, "set dump")
        out = {}
        for m in msgs:
            a = dict(attrs(m, 0, len(m)))
            out[a[2].rstrip(b"\0").decode()] = struct.unpack(">Q", a[16])[0]
        return out

    def has(self, set_name, k):
        body = attr(1, TABLE) + attr(2, set_name.encode() + b"\0")
        body += attr(3 | NLA_F_NESTED, attr(1 | NLA_F_NESTED, attr(1 | NLA_F_NESTED, attr(1, k))))
        msgs, err = self.request(NFT_MSG_GETSETELEM, NLM_F_ACK, body)
        return err == 0 and len(msgs) == 1


def main():
    c = Client()
    if sys.argv[1] == "handles":
        for name, handle in sorted(c.handles().items()):
            print(name, handle)
        return
    stop = sys.argv[2]
    probes = []
    for p in sys.argv[3:]:
        name, k = p.split("=")
        probes.append((p, name, key(k)))
    for p, name, k in probes:
        if not c.has(name, k):
            sys.exit(f"probe fails before the restart: {p}")
    rounds = missing = 0
    while not os.path.exists(stop):
        for p, name, k in probes:
            if not c.has(name, k):
                missing += 1
                print(f"missing: {p}", file=sys.stderr)
        rounds += 1
    print(rounds, missing)


main()
