package org.cortado.testing;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.DatasetCreationOptions;
import io.jhdf.checksum.ChecksumUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** HDF5 files for tests, written by jhdf: datasets at the root, as Caffe's HDF5Data layer reads them. */
public final class Hdf5Files {
    private Hdf5Files() {
    }

    /** Writes {@code datasets} (name to a Java array: float[][][][], double[], int[], String[], ...) to {@code file}. */
    public static Path write(Path file, Map<String, Object> datasets) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (WritableHdfFile w = HdfFile.write(file)) {
            datasets.forEach(w::putDataset);
        }
        return file;
    }

    /**
     * As {@link #write}, each dataset chunked one row per chunk and deflate-compressed (so its bytes in the file are
     * fewer than its values').
     */
    public static Path writeCompressed(Path file, Map<String, Object> datasets) {
        try (WritableHdfFile w = HdfFile.write(file)) {
            datasets.forEach((name, array) -> {
                int[] chunk = dims(array);
                chunk[0] = 1;
                w.putDataset(name, array, DatasetCreationOptions.builder().chunkDimensions(chunk).deflate().build());
            });
        }
        return file;
    }

    private static int[] dims(Object array) {
        java.util.List<Integer> d = new java.util.ArrayList<>();
        for (Object a = array; a != null && a.getClass().isArray(); a = Array.getLength(a) > 0 ? Array.get(a, 0) : null) {
            d.add(Array.getLength(a));
        }
        return d.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Rewrites the shape {@code dims} of a dataset in {@code file} to claim {@code rows} rows, fixing the checksum of
     * the object header that holds it, so that the file stays valid HDF5 while its dataset claims more than it holds.
     */
    public static void claimRows(Path file, long[] dims, long rows) {
        try {
            byte[] b = Files.readAllBytes(file);
            ByteBuffer want = ByteBuffer.allocate(dims.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (long d : dims) {
                want.putLong(d);
            }
            int at = indexOf(b, want.array(), 0);
            if (at < 0 || indexOf(b, want.array(), at + 1) >= 0) {
                throw new IllegalArgumentException(file + ": the shape is not in the file exactly once");
            }
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, rows);
            // The version-2 object header before it: "OHDR", version, flags, chunk size (1 << (flags & 3) bytes;
            // flags 0x20 adds four times, 0x10 two phase-change values), the messages, then a Jenkins checksum.
            int start = lastIndexOf(b, "OHDR".getBytes(StandardCharsets.US_ASCII), at);
            int flags = b[start + 5] & 0xff;
            int pos = start + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
            int sizeBytes = 1 << (flags & 3);
            long chunk = 0;
            for (int i = 0; i < sizeBytes; i++) {
                chunk |= (b[pos + i] & 0xffL) << (8 * i);
            }
            int end = pos + sizeBytes + (int) chunk;
            byte[] covered = java.util.Arrays.copyOfRange(b, start, end);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(end, ChecksumUtils.checksum(covered));
            Files.write(file, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] b, byte[] what, int from) {
        outer:
        for (int i = from; i <= b.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, byte[] what, int before) {
        for (int i = before - what.length; i >= 0; i--) {
            if (indexOf(java.util.Arrays.copyOfRange(b, i, i + what.length), what, 0) == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("no object header before offset " + before);
    }
}
