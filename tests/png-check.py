#!/usr/bin/env python3
"""png-check.py FILE MARGIN - print "WIDTH HEIGHT INK EDGE" for a PNG
screenshot: INK is the number of pixels that are not the background (the
top-left pixel's colour), EDGE the number of those in the rightmost MARGIN
columns (content that overflows a page shows there).  8-bit RGB or RGBA
only; anything else is an error (exit 1)."""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    w, h, depth, ctype, _, _, interlace = head
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG %r" % (head,))
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, out = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


def main():
    w, h, bpp, lines = rows(sys.argv[1])
    margin = int(sys.argv[2])
    bg = lines[0][:3]
    ink = edge = 0
    for line in lines:
        for x in range(w):
            if line[x * bpp:x * bpp + 3] != bg:
                ink += 1
                if x >= w - margin:
                    edge += 1
    print(w, h, ink, edge)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a broken screenshot is a failure, not a skip
        print("png-check: %s" % e, file=sys.stderr)
        sys.exit(1)
