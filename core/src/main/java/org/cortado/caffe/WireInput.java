package org.cortado.caffe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Protocol-buffer wire-format primitives over a file of any size, read through a window of a few hundred kilobytes.
 *
 * <p>The file is read with positional reads into one buffer rather than memory-mapped: the pages of a mapped file
 * count in the process's resident memory until the mapping is collected, which a one-shot run's garbage collector
 * may never do, so AlexNet's 244 MB caffemodel stayed resident beside the arrays read from it (docs/performance.md,
 * "The JVM's share"). Positions are absolute byte offsets in the file ({@code long}), which is also what errors
 * report; a value that straddles the window's end is read byte by byte. Every read checks against an {@code end}:
 * the end of the enclosing message, so that a corrupt length is caught where it occurs instead of derailing the
 * rest of the file.
 */
final class WireInput {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    private static final int MAX_STRING_BYTES = 1 << 20;
    /**
     * How deeply groups may nest inside the message being read: protobuf's own default recursion limit. Skipping a
     * group recurses, so without a bound a few kilobytes of start-group tags would exhaust the stack.
     */
    static final int MAX_NESTING = 100;
    private static final String[] WIRE_TYPE_NAMES = {"varint", "fixed64", "length-delimited", "start group",
        "end group", "fixed32", "invalid", "invalid"};

    /** Doubles narrowed per step; bounds the temporary array. */
    private static final int DOUBLE_CHUNK = 1 << 16;

    private final Path file;
    private final FileChannel channel;
    private final long size;
    /** Bytes {@code [windowStart, windowStart + window.limit())} of the file, little-endian as the wire is. */
    private final ByteBuffer window;
    private long windowStart;
    private long pos;
    /** Where in the file's structure the reader is, for error messages ("in layer 'conv1' (#2), blob 0"). */
    private String context = "";

    private WireInput(Path file, FileChannel channel, int windowBytes) throws IOException {
        this.file = file;
        this.channel = channel;
        this.size = channel.size();
        // Little-endian: protobuf's fixed32/fixed64 and packed floats are little-endian on the wire.
        this.window = ByteBuffer.allocateDirect(windowBytes).order(ByteOrder.LITTLE_ENDIAN).limit(0);
    }

    /** Reads {@code channel} (of {@code file}, open while this is used) through a window of {@code windowBytes}. */
    static WireInput open(Path file, FileChannel channel, int windowBytes) throws IOException {
        return new WireInput(file, channel, windowBytes);
    }

    long size() {
        return size;
    }

    long position() {
        return pos;
    }

    void seek(long position) {
        pos = position;
    }

    void setContext(String context) {
        this.context = context;
    }

    /** An error at byte {@code offset}, naming the file and the current context. */
    CaffeFormatException error(long offset, String what) {
        return error(offset, what, null);
    }

    /** As {@link #error(long, String)}, keeping {@code cause}. */
    CaffeFormatException error(long offset, String what, Throwable cause) {
        String where = context.isEmpty() ? "" : ", " + context;
        return new CaffeFormatException(file + ": at byte " + offset + where + ": " + what, cause);
    }

    /** Reads a field's tag; returns it with field number {@code tag >>> 3} and wire type {@code tag & 7}. */
    int readTag(long end) {
        long at = pos;
        long tag = readVarint(end);
        if (tag >>> 3 == 0 || tag >>> 3 > 0x1FFFFFFFL) {
            throw error(at, "invalid field tag " + tag + " (field number " + (tag >>> 3) + ")");
        }
        return (int) tag;
    }

    /** Reads a base-128 varint of up to 10 bytes. */
    long readVarint(long end) {
        long start = pos;
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw pastEnd(start, end, "a varint");
            }
            int b = byteAt(pos++);
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw error(start, "bad varint: more than 10 bytes");
    }

    /** Reads a length prefix and checks that the {@code length} bytes after it lie within {@code end}. */
    long readLength(long end) {
        long at = pos;
        long length = readVarint(end);
        // Protobuf lengths are int32; larger ones can only come from corruption.
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw error(at, "bad length " + length);
        }
        if (pos + length > end) {
            throw pastEnd(at, end, "a field of " + length + " bytes");
        }
        return length;
    }

    /** Reads a length-delimited UTF-8 string (a name or type: short). */
    String readString(long end) {
        long at = pos;
        int length = (int) readLength(end);
        if (length > MAX_STRING_BYTES) {
            // Names and type strings are identifiers; a length like this is damage, not a name to allocate.
            throw error(at, "a string of " + length + " bytes where a name or type belongs (corrupt length)");
        }
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) byteAt(pos + i);
        }
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Fails unless {@code wireType} is {@code expected}; {@code tagAt} is where the field's tag began. */
    void expectWireType(int wireType, int expected, long tagAt, String field) {
        if (wireType != expected) {
            throw error(tagAt, "field " + field + " has wire type " + wireType + " (" + WIRE_TYPE_NAMES[wireType]
                    + "), expected " + expected + " (" + WIRE_TYPE_NAMES[expected] + ")");
        }
    }

    /** Skips the value of a field with the given tag (whose bytes have been read), including nested groups. */
    void skipField(int tag, long tagAt, long end) {
        switch (tag & 7) {
            case VARINT -> readVarint(end);
            case FIXED64 -> skip(8, end);
            case LEN -> {
                long length = readLength(end);  // before reading pos: the length's own bytes move it
                pos += length;
            }
            case START_GROUP -> skipGroup(tag >>> 3, tagAt, end, 1);
            case FIXED32 -> skip(4, end);
            default -> throw error(tagAt, "invalid wire type " + (tag & 7) + " for field " + (tag >>> 3));
        }
    }

    /** Skips a group whose start tag (at {@code tagAt}) has been read; {@code depth} counts the open groups. */
    private void skipGroup(int field, long tagAt, long end, int depth) {
        if (depth > MAX_NESTING) {
            throw error(tagAt, "protobuf groups nested deeper than " + MAX_NESTING + " (corrupt or hostile file)");
        }
        while (true) {
            if (pos >= end) {
                throw pastEnd(tagAt, end, "group " + field);
            }
            long at = pos;
            int tag = readTag(end);
            if ((tag & 7) == END_GROUP) {
                if (tag >>> 3 != field) {
                    throw error(at, "end of group " + (tag >>> 3) + " inside group " + field);
                }
                return;
            }
            if ((tag & 7) == START_GROUP) {
                skipGroup(tag >>> 3, at, end, depth + 1);
            } else {
                skipField(tag, at, end);
            }
        }
    }

    void skip(long bytes, long end) {
        if (pos + bytes > end) {
            throw pastEnd(pos, end, "a " + bytes + "-byte value");
        }
        pos += bytes;
    }

    /** Reads one fixed32 float (an unpacked {@code repeated float}). */
    float readFixedFloat(long end) {
        if (pos + 4 > end) {
            throw pastEnd(pos, end, "a float");
        }
        return Float.intBitsToFloat((int) readLittleEndian(4));
    }

    /** Reads one fixed64 double (an unpacked {@code repeated double}). */
    double readFixedDouble(long end) {
        if (pos + 8 > end) {
            throw pastEnd(pos, end, "a double");
        }
        return Double.longBitsToDouble(readLittleEndian(8));
    }

    /** Reads {@code n} little-endian floats into {@code dst[off..]}; bounds must have been checked. */
    void readFloats(float[] dst, int off, int n) {
        while (n > 0) {
            int whole = Math.min(n, available(4) / 4);
            if (whole > 0) {
                // A bulk get from a little-endian view is a plain memory copy on little-endian hardware.
                window.slice((int) (pos - windowStart), whole * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                        .get(dst, off, whole);
                pos += whole * 4L;
                off += whole;
                n -= whole;
            } else {
                dst[off++] = Float.intBitsToFloat((int) readLittleEndian(4));
                n--;
            }
        }
    }

    /** Reads {@code n} little-endian doubles narrowed to floats into {@code dst[off..]} (Caffe's double_data). */
    void readDoublesAsFloats(float[] dst, int off, int n) {
        double[] chunk = new double[Math.min(n, DOUBLE_CHUNK)];
        while (n > 0) {
            int whole = Math.min(Math.min(n, chunk.length), available(8) / 8);
            if (whole > 0) {
                window.slice((int) (pos - windowStart), whole * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer()
                        .get(chunk, 0, whole);
                for (int i = 0; i < whole; i++) {
                    dst[off + i] = (float) chunk[i];
                }
                pos += whole * 8L;
                off += whole;
                n -= whole;
            } else {
                dst[off++] = (float) Double.longBitsToDouble(readLittleEndian(8));
                n--;
            }
        }
    }

    /** A fixed32 or fixed64 value byte by byte (for values that straddle the window's end). */
    private long readLittleEndian(int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (long) byteAt(pos++) << (8 * i);
        }
        return v;
    }

    private int byteAt(long position) {
        if (position < windowStart || position >= windowStart + window.limit()) {
            fill(position);
        }
        return window.get((int) (position - windowStart)) & 0xFF;
    }

    /**
     * Bytes of the window from {@link #pos} on, after moving the window there if fewer than {@code atLeast} are in it
     * (fewer only at the end of the file).
     */
    private int available(int atLeast) {
        long in = windowStart + window.limit() - pos;
        if (pos < windowStart || in < atLeast) {
            fill(pos);
            in = window.limit();
        }
        return (int) in;
    }

    /** Moves the window to start at {@code position}: as many bytes as it holds, or up to the end of the file. */
    private void fill(long position) {
        window.clear();
        try {
            while (window.hasRemaining()) {
                if (channel.read(window, position + window.position()) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw error(position, "cannot read: " + e, e);
        }
        window.flip();
        windowStart = position;
        if (window.limit() == 0) {
            // Every read checks its bounds against the file's size first, so this is a file that shrank meanwhile.
            throw error(position, "truncated: the file ends at byte " + position + " (changed while being read?)");
        }
    }

    /** Running past the end of the file means truncation; past an enclosing message's end, a corrupt length. */
    private CaffeFormatException pastEnd(long at, long end, String what) {
        if (end >= size) {
            return error(at, "truncated: " + what + " runs past the end of the file (" + size + " bytes)");
        }
        return error(at, what + " runs past the end of its enclosing message at byte " + end
                + " (corrupt length or data)");
    }
}
