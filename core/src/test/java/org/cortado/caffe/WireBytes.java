package org.cortado.caffe;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Hand-made protobuf wire bytes, for caffemodels that no generated serializer would write (unpacked, split, odd). */
final class WireBytes {
    /** Writes fields to a stream. */
    interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private WireBytes() {
    }

    static byte[] message(Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            fields.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A length-delimited field holding {@code payload}. */
    static void field(CodedOutputStream out, int number, byte[] payload) throws IOException {
        out.writeByteArray(number, payload);
    }

    static ByteString bytes(byte[] b) {
        return ByteString.copyFrom(b);
    }

    /** A BlobShape with packed dims. */
    static byte[] shape(long... dims) {
        return message(o -> {
            o.writeTag(1, 2);
            int size = 0;
            for (long d : dims) {
                size += CodedOutputStream.computeInt64SizeNoTag(d);
            }
            o.writeUInt32NoTag(size);
            for (long d : dims) {
                o.writeInt64NoTag(d);
            }
        });
    }

    /** Packed floats as field {@code number}. */
    static void packedFloats(CodedOutputStream o, int number, float... values) throws IOException {
        o.writeTag(number, 2);
        o.writeUInt32NoTag(4 * values.length);
        for (float v : values) {
            o.writeFloatNoTag(v);
        }
    }

    /** Packed doubles as field {@code number}. */
    static void packedDoubles(CodedOutputStream o, int number, double... values) throws IOException {
        o.writeTag(number, 2);
        o.writeUInt32NoTag(8 * values.length);
        for (double v : values) {
            o.writeDoubleNoTag(v);
        }
    }
}
