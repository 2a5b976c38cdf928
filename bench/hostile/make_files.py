"""Writes the hostile model and array files of docs/reliability.md ("Model and array files") into a folder.

The same bytes as core's test helper HostileFiles: files of a few bytes to a few hundred kilobytes that nest or claim
far more than they hold. Usage: python3 make_files.py DIR
"""
import struct
import sys
from pathlib import Path


def varint(n):
    out = b''
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def varint_field(number, value):
    return varint(number << 3) + varint(value)


def nested_groups(depth, number=50):
    return varint(number << 3 | 3) * depth + varint(number << 3 | 4) * depth


def legacy_blob(num, channels, height, width):
    return b''.join(varint_field(f, v) for f, v in ((1, num), (2, channels), (3, height), (4, width)))


def npy(header, data=b''):
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin-1') + data


def wide_inner_product(num_output, c, h, w):
    return f'''name: "wide"
layer {{ name: "data" type: "Input" top: "data"
        input_param {{ shape {{ dim: 1 dim: {c} dim: {h} dim: {w} }} }} }}
layer {{ name: "fc6" type: "InnerProduct" bottom: "data" top: "fc6"
        inner_product_param {{ num_output: {num_output} }} }}
'''


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    (out / 'nested.caffemodel').write_bytes(nested_groups(100_000))
    (out / 'claims.caffemodel').write_bytes(field(100, field(1, b'conv1') + field(7, legacy_blob(1, 1, 40000, 40000))))
    # Dimensions (1000, 1000, 1000), then a packed data field whose length claims 1879048192 bytes.
    blob = field(7, field(1, bytes([0xE8, 0x07] * 3))) + bytes([0x2A, 0x80, 0x80, 0x80, 0x80, 0x07])
    (out / 'past.caffemodel').write_bytes(field(100, field(1, b'fc') + field(7, blob)))
    (out / 'deep.prototxt').write_text('layer { ' * 100_000 + '}' * 100_000 + '\n')
    (out / 'huge.binaryproto').write_bytes(legacy_blob(1, 3, 100_000, 100_000))
    (out / 'nested.binaryproto').write_bytes(nested_groups(100_000))
    depth = 20_000
    (out / 'nested.npy').write_bytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                         + '[' * depth + ']' * depth + ', }'))
    (out / 'x1.npy').write_bytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), }",
                                     b'\0' * 4))
    (out / 'wide.prototxt').write_text(wide_inner_product(2_000_000_000, 1, 1, 1))
    (out / 'beyond.prototxt').write_text(wide_inner_product(2_000_000_000, 3, 32, 32))
    (out / 'wide3.prototxt').write_text(wide_inner_product(700_000_000, 3, 1, 1))
    (out / 'two.prototxt').write_text(wide_inner_product(5_000_000, 1, 1, 1)
                                      + 'layer { name: "fc7" type: "InnerProduct" bottom: "fc6" top: "fc7"\n'
                                      + '        inner_product_param { num_output: 1 } }\n')


if __name__ == '__main__':
    main(Path(sys.argv[1]))
