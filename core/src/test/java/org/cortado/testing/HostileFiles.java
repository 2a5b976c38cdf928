package org.cortado.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Small files that claim or nest far more than they hold, made in the test that uses them (none is kept in git): the
 * inputs of issue 24 that once ended in a StackOverflowError or OutOfMemoryError.
 */
public final class HostileFiles {
    /** A protobuf field number no Caffe message uses, so that readers skip it as unknown. */
    private static final int UNKNOWN_FIELD = 50;

    private HostileFiles() {
    }

    /**
     * {@code depth} start-group tags of an unknown field, then as many end-group tags: valid protobuf that only a
     * reader recursing once per group level can fail on (5000 levels take 20 KB).
     */
    public static byte[] nestedGroups(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            varint(out, UNKNOWN_FIELD << 3 | 3);
        }
        for (int i = 0; i < depth; i++) {
            varint(out, UNKNOWN_FIELD << 3 | 4);
        }
        return out.toByteArray();
    }

    /** A length-delimited field: tag, length, payload. */
    public static byte[] field(int number, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, number << 3 | 2);
        varint(out, payload.length);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** A varint field. */
    public static byte[] varintField(int number, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, number << 3);
        varint(out, value);
        return out.toByteArray();
    }

    /** The concatenation of {@code parts}. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * A BlobProto with legacy dimensions {@code (num, channels, height, width)} and no values: a mean file or blob
     * whose dimensions claim what its bytes do not hold.
     */
    public static byte[] legacyBlob(long num, long channels, long height, long width) {
        return concat(varintField(1, num), varintField(2, channels), varintField(3, height), varintField(4, width));
    }

    /**
     * A .npy file (version 1.0) whose header's shape is {@code depth} nested lists: {@code [[[...]]]}. No data
     * follows; a reader must fail on the header first.
     */
    public static byte[] nestedNpy(int depth) {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "[".repeat(depth) + "]".repeat(depth)
                + ", }";
        header += " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(text.length & 0xFF);
        out.write(text.length >>> 8);
        out.writeBytes(text);
        return out.toByteArray();
    }

    /** A prototxt of {@code depth} nested {@code layer { ... }} messages. */
    public static String deepPrototxt(int depth) {
        return "layer { ".repeat(depth) + "}".repeat(depth) + "\n";
    }

    /**
     * A deploy prototxt: input {@code (1, c, h, w)} and one InnerProduct 'fc6' of {@code numOutput} outputs (the
     * issue's {@code num_output: 2000000000}).
     */
    public static String wideInnerProduct(long numOutput, int c, int h, int w) {
        return "name: \"wide\"\n"
                + "layer { name: \"data\" type: \"Input\" top: \"data\"\n"
                + "        input_param { shape { dim: 1 dim: " + c + " dim: " + h + " dim: " + w + " } } }\n"
                + "layer { name: \"fc6\" type: \"InnerProduct\" bottom: \"data\" top: \"fc6\"\n"
                + "        inner_product_param { num_output: " + numOutput + " } }\n";
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
